using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Tollgate.Billing.Api;

/// <summary>Query parameters as OpenMeter's list endpoints take them; a bad value is a 400 naming the parameter.</summary>
public static class QueryValues
{
    public static bool? Bool(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        var value = query[name].ToString();
        return value switch
        {
            "" => null,
            "true" => true,
            "false" => false,
            _ => throw new BillingValidationException(name, "must be true or false"),
        };
    }

    /// <summary>The value of <paramref name="name"/>, which must be one of <paramref name="allowed"/>; null when absent.</summary>
    public static string? OneOf(IQueryCollection query, string name, string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(allowed);
        var value = query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        return Array.IndexOf(allowed, value) >= 0 ? value : throw new BillingValidationException(name, $"must be one of: {string.Join(", ", allowed)}");
    }

    /// <summary>The value of <paramref name="name"/>; null when absent or empty.</summary>
    public static string? Text(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query[name].ToString() is { Length: > 0 } value ? value : null;
    }

    /// <summary>A multi-valued parameter, repeated (<c>a=1&amp;a=2</c>) or comma-separated (<c>a=1,2</c>); empty when absent.</summary>
    public static HashSet<string> List(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query[name]
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The <c>expand</c> values asked for; one not in <paramref name="allowed"/> is a 400.</summary>
    public static HashSet<string> Expands(IQueryCollection query, string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var expands = List(query, "expand");
        foreach (var expand in expands)
        {
            if (Array.IndexOf(allowed, expand) < 0)
            {
                throw new BillingValidationException("expand", $"\"{expand}\" cannot be expanded; the expands are: {string.Join(", ", allowed)}");
            }
        }

        return expands;
    }

    /// <summary>An RFC 3339 time, in UTC (a time without an offset is UTC); null when absent.</summary>
    public static DateTimeOffset? Time(IQueryCollection query, string name) =>
        Text(query, name) is not { } text ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time
        : throw new BillingValidationException(name, "must be an RFC 3339 date-time, e.g. 2024-01-01T00:00:00Z");

    /// <summary>OpenMeter's text filters: a case-insensitive partial match.</summary>
    public static bool Matches(string? value, string part) => value is not null && value.Contains(part, StringComparison.OrdinalIgnoreCase);

    /// <summary><c>order=DESC</c>; ASC by default.</summary>
    public static bool Descending(IQueryCollection query) => OneOf(query, "order", ["ASC", "DESC", "asc", "desc"]) is "DESC" or "desc";

    /// <summary>Sorts by <paramref name="key"/> (ordinal for strings), ids breaking ties so pages are stable.</summary>
    public static IOrderedEnumerable<T> Order<T, TKey>(IEnumerable<T> items, Func<T, TKey> key, bool descending)
        where T : Storage.IBillingDocument
    {
        var comparer = typeof(TKey) == typeof(string) ? (IComparer<TKey>)(object)StringComparer.Ordinal : Comparer<TKey>.Default;
        return descending
            ? items.OrderByDescending(key, comparer).ThenByDescending(i => i.Id, StringComparer.Ordinal)
            : items.OrderBy(key, comparer).ThenBy(i => i.Id, StringComparer.Ordinal);
    }
}
