using System.Globalization;
using System.Text;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>
/// An ISO 8601 duration as OpenMeter's billing cadences, phase durations and usage periods use it
/// (<c>P1M</c>, <c>P1Y</c>, <c>P2W</c>, <c>P7D</c>, <c>PT1H</c>, <c>P1DT12H</c>): whole, non-negative components.
/// Calendar parts (years, months) and clock parts (weeks, days, time) are kept apart because a month has no
/// fixed number of days: P1M and P4W are different cadences.
/// </summary>
public readonly record struct IsoDuration(int Years, int Months, int Weeks, int Days, int Hours, int Minutes, int Seconds)
{
    private const long SecondsPerHour = 3600;

    /// <summary>Years and months as months: P1Y and P12M are both 12.</summary>
    public long TotalMonths => (Years * 12L) + Months;

    /// <summary>Weeks, days and time as seconds (a day is 24 hours: billing runs in UTC).</summary>
    public long TotalSeconds => ((((Weeks * 7L) + Days) * 24L) + Hours) * SecondsPerHour + (Minutes * 60L) + Seconds;

    public bool IsZero => TotalMonths == 0 && TotalSeconds == 0;

    /// <summary>OpenMeter's floor for cadences, phases and usage periods.</summary>
    public bool IsAtLeastAnHour => TotalMonths > 0 || TotalSeconds >= SecondsPerHour;

    /// <summary>Parses <paramref name="text"/>; false when it is not a whole-number ISO 8601 duration.</summary>
    public static bool TryParse(string? text, out IsoDuration duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text) || text[0] != 'P' || text.Length < 3)
        {
            return false;
        }

        int years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0;
        var inTime = false;
        var any = false;
        var lastRank = -1;
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == 'T')
            {
                if (inTime || i == text.Length - 1)
                {
                    return false;
                }

                inTime = true;
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i == text.Length || i - start > 9)
            {
                return false;
            }

            var value = int.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            var rank = (inTime, text[i]) switch
            {
                (false, 'Y') => 0,
                (false, 'M') => 1,
                (false, 'W') => 2,
                (false, 'D') => 3,
                (true, 'H') => 4,
                (true, 'M') => 5,
                (true, 'S') => 6,
                _ => -1,
            };

            // Each designator at most once and in ISO order (P1M1Y and P1D1D are not durations).
            if (rank <= lastRank)
            {
                return false;
            }

            switch (rank)
            {
                case 0: years = value; break;
                case 1: months = value; break;
                case 2: weeks = value; break;
                case 3: days = value; break;
                case 4: hours = value; break;
                case 5: minutes = value; break;
                default: seconds = value; break;
            }

            lastRank = rank;
            any = true;
            i++;
        }

        if (!any || (inTime && lastRank < 4))
        {
            return false;
        }

        duration = new IsoDuration(years, months, weeks, days, hours, minutes, seconds);
        return true;
    }

    /// <summary>The duration in <paramref name="text"/>, or a 400 on <paramref name="field"/>.</summary>
    public static IsoDuration Parse(string field, string? text) =>
        TryParse(text, out var duration)
            ? duration
            : throw new BillingValidationException(field, text is null
                ? "is required"
                : $"\"{text}\" is not an ISO 8601 duration with whole numbers (e.g. P1M, P1Y, P2W, P7D, PT1H)");

    /// <summary>
    /// Whether two cadences line up, as OpenMeter requires of a plan's cadence and its rate cards' cadences: equal,
    /// or one a whole multiple of the other (P1Y and P3M; P1W and P1D). Calendar and clock durations never divide
    /// each other (a month is not a whole number of weeks), so P1M and P1W do not align.
    /// </summary>
    public static bool Aligned(IsoDuration a, IsoDuration b)
    {
        if (a.TotalMonths == b.TotalMonths && a.TotalSeconds == b.TotalSeconds)
        {
            return true;
        }

        if (a.IsZero || b.IsZero)
        {
            return false;
        }

        if (a.TotalSeconds == 0 && b.TotalSeconds == 0)
        {
            return Math.Max(a.TotalMonths, b.TotalMonths) % Math.Min(a.TotalMonths, b.TotalMonths) == 0;
        }

        if (a.TotalMonths == 0 && b.TotalMonths == 0)
        {
            return Math.Max(a.TotalSeconds, b.TotalSeconds) % Math.Min(a.TotalSeconds, b.TotalSeconds) == 0;
        }

        return false;
    }

    /// <summary><paramref name="start"/> plus this duration, calendar parts first (Jan 31 + P1M = Feb 28/29).</summary>
    public DateTimeOffset AddTo(DateTimeOffset start) =>
        start.AddMonths(checked((int)TotalMonths)).AddSeconds(TotalSeconds);

    /// <summary>The ISO 8601 text, zero parts left out (P1Y2M, PT1H).</summary>
    public override string ToString()
    {
        if (IsZero)
        {
            return "PT0S";
        }

        var text = new StringBuilder("P");
        Append(text, Years, 'Y');
        Append(text, Months, 'M');
        Append(text, Weeks, 'W');
        Append(text, Days, 'D');
        if (Hours != 0 || Minutes != 0 || Seconds != 0)
        {
            text.Append('T');
            Append(text, Hours, 'H');
            Append(text, Minutes, 'M');
            Append(text, Seconds, 'S');
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, int value, char designator)
    {
        if (value != 0)
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(designator);
        }
    }
}
