using System.Globalization;
using Tollgate.Billing;
using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.WebConsole.Display;

/// <summary>
/// How the console writes numbers, money, times and periods: invariant digits, money exact to the currency's minor
/// unit (the same rounding as invoices), unit prices with every significant decimal, times in UTC.
/// </summary>
public static class Formats
{
    /// <summary>The billing cadences the console offers, as ISO 8601 durations and as people say them.</summary>
    public static IReadOnlyList<(string Value, string Label)> Cadences { get; } =
    [
        ("P1W", "1 week"),
        ("P1M", "1 month"),
        ("P3M", "3 months"),
        ("P6M", "6 months"),
        ("P1Y", "1 year"),
    ];

    /// <summary>A quantity: digit groups, no trailing zeros ("1,250", "0.5").</summary>
    public static string Number(decimal value) => value.ToString("#,0.############################", CultureInfo.InvariantCulture);

    /// <summary>An amount in its currency, rounded to the minor unit ("$0.01", "¥120", "BHD 1.250").</summary>
    public static string Money(decimal amount, string currency)
    {
        if (!Currencies.TryGet(currency, out var info))
        {
            return $"{currency} {Number(amount)}";
        }

        var digits = Currencies.Format(Math.Abs(amount), info);
        return (info.Round(amount) < 0 ? "-" : string.Empty) + WithSymbol(digits, currency);
    }

    /// <summary>A unit price: at least the currency's minor unit, and every decimal it has beyond ("$0.00002", "$1.50").</summary>
    public static string UnitPrice(decimal amount, string currency)
    {
        var minor = Currencies.TryGet(currency, out var info) ? info.MinorUnits : 2;
        var exact = Math.Abs(amount).ToString("0.############################", CultureInfo.InvariantCulture);
        var decimals = exact.Contains('.', StringComparison.Ordinal) ? exact.Length - exact.IndexOf('.', StringComparison.Ordinal) - 1 : 0;
        var digits = Math.Abs(amount).ToString("F" + Math.Max(minor, decimals).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return (amount < 0 ? "-" : string.Empty) + WithSymbol(digits, currency);
    }

    /// <summary>A moment in UTC, to the minute ("2026-11-27 17:43 UTC").</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    /// <summary>A day in UTC ("2026-11-27").</summary>
    public static string Date(DateTimeOffset? time) =>
        time is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "—";

    /// <summary>An ISO 8601 duration as people say it ("P1M" → "1 month", "P2W" → "2 weeks"); unreadable text as is.</summary>
    public static string Period(string? iso)
    {
        if (iso is null)
        {
            return "—";
        }

        try
        {
            var d = IsoDuration.Parse("period", iso);
            var parts = new List<string>();
            Add(parts, d.Years, "year");
            Add(parts, d.Months, "month");
            Add(parts, d.Weeks, "week");
            Add(parts, d.Days, "day");
            Add(parts, d.Hours, "hour");
            Add(parts, d.Minutes, "minute");
            Add(parts, d.Seconds, "second");
            return parts.Count == 0 ? iso : string.Join(" ", parts);
        }
        catch (BillingValidationException)
        {
            return iso;
        }
    }

    private static void Add(List<string> parts, int count, string unit)
    {
        if (count != 0)
        {
            parts.Add(count.ToString(CultureInfo.InvariantCulture) + " " + unit + (count == 1 ? string.Empty : "s"));
        }
    }

    private static string WithSymbol(string digits, string currency) => currency switch
    {
        "USD" => "$" + digits,
        "EUR" => "€" + digits,
        "GBP" => "£" + digits,
        "JPY" => "¥" + digits,
        _ => currency + " " + digits,
    };
}
