using System.Globalization;
using System.Text.RegularExpressions;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// A period that repeats from an anchor: <c>DAY</c>, <c>WEEK</c>, <c>MONTH</c>, <c>YEAR</c> or an ISO 8601 duration
/// (<c>P2W</c>, <c>PT6H</c>). The n-th period starts at anchor + n × interval, computed from the anchor each time, so a
/// MONTH anchored on Jan 31 starts Feb 28 (or 29) and then Mar 31 again rather than drifting to the 28th.
/// </summary>
public sealed partial record RecurringPeriod
{
    /// <summary>As given: an enum value (<c>MONTH</c>) or an ISO 8601 duration (<c>P1M</c>).</summary>
    public required string Interval { get; init; }

    public required DateTimeOffset Anchor { get; init; }

    /// <summary>The interval as an ISO 8601 duration, as OpenMeter answers it.</summary>
    public string IntervalISO => Interval switch
    {
        "DAY" => "P1D",
        "WEEK" => "P1W",
        "MONTH" => "P1M",
        "YEAR" => "P1Y",
        _ => Interval,
    };

    private (int Months, TimeSpan Fixed) Step() => Parse(Interval) ?? throw new InvalidOperationException($"invalid interval \"{Interval}\"");

    /// <summary>Start of the <paramref name="n"/>-th period (0 is the one starting at the anchor; negative goes back).</summary>
    public DateTimeOffset StartOf(long n)
    {
        var (months, fixedPart) = Step();
        var start = months == 0 ? Anchor : Anchor.AddMonths(checked((int)(n * months)));
        return start + (fixedPart * n);
    }

    /// <summary>The period holding <paramref name="instant"/>: start inclusive, end exclusive.</summary>
    public (DateTimeOffset From, DateTimeOffset To) PeriodAt(DateTimeOffset instant)
    {
        var n = Index(instant);
        return (StartOf(n), StartOf(n + 1));
    }

    /// <summary>Every period start strictly after <paramref name="from"/> and at or before <paramref name="to"/>.</summary>
    public IEnumerable<DateTimeOffset> StartsBetween(DateTimeOffset from, DateTimeOffset to)
    {
        for (var n = Index(from) + 1; ; n++)
        {
            var start = StartOf(n);
            if (start > to)
            {
                yield break;
            }

            yield return start;
        }
    }

    /// <summary>The index of the period holding <paramref name="instant"/>.</summary>
    private long Index(DateTimeOffset instant)
    {
        var (months, fixedPart) = Step();
        var averageTicks = (months * TimeSpan.TicksPerDay * 30.436875) + fixedPart.Ticks;
        var n = (long)Math.Floor((instant - Anchor).Ticks / averageTicks);

        // The estimate is off by at most a few periods (months differ in length); walk to the exact one.
        while (StartOf(n) > instant)
        {
            n--;
        }

        while (StartOf(n + 1) <= instant)
        {
            n++;
        }

        return n;
    }

    /// <summary>
    /// The interval as whole months plus a fixed span, or null when it is neither an enum value nor an ISO 8601
    /// duration with whole numbers (fractions are refused: a fraction of a month has no calendar meaning).
    /// </summary>
    public static (int Months, TimeSpan Fixed)? Parse(string? interval)
    {
        switch (interval)
        {
            case null or "":
                return null;
            case "DAY":
                return (0, TimeSpan.FromDays(1));
            case "WEEK":
                return (0, TimeSpan.FromDays(7));
            case "MONTH":
                return (1, TimeSpan.Zero);
            case "YEAR":
                return (12, TimeSpan.Zero);
        }

        var match = Iso().Match(interval);
        if (!match.Success || interval == "P" || interval.EndsWith('T'))
        {
            return null;
        }

        try
        {
            var months = checked((Part(match, "y") * 12) + Part(match, "mo"));
            var span = TimeSpan.FromDays((Part(match, "w") * 7) + Part(match, "d"))
                + TimeSpan.FromHours(Part(match, "h")) + TimeSpan.FromMinutes(Part(match, "mi")) + TimeSpan.FromSeconds(Part(match, "s"));
            return months == 0 && span <= TimeSpan.Zero ? null : ((int)months, span);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static long Part(Match match, string group) =>
        match.Groups[group].Success ? long.Parse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^P(?:(?<y>\d{1,4})Y)?(?:(?<mo>\d{1,5})M)?(?:(?<w>\d{1,5})W)?(?:(?<d>\d{1,6})D)?(?:T(?:(?<h>\d{1,7})H)?(?:(?<mi>\d{1,9})M)?(?:(?<s>\d{1,10})S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso();
}
