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
