using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Subscriptions;

/// <summary>A half-open period [<see cref="From"/>, <see cref="To"/>) (OpenMeter's <c>Period</c>).</summary>
public sealed record BillingPeriod(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// Billing period arithmetic, pure: boundaries are whole multiples of a cadence from an anchor, each computed from
/// the anchor itself (never from the previous boundary) so month ends are clamped without drifting: anchor Jan 31
/// with P1M gives Feb 28 (Feb 29 in a leap year), then Mar 31, Apr 30. Subscriptions use it for
/// <c>next_billing_cycle</c>; invoicing uses it for service periods.
/// </summary>
public static class BillingPeriods
{
    /// <summary>The <paramref name="k"/>-th boundary: <paramref name="anchor"/> + k × <paramref name="cadence"/> (k may be negative).</summary>
    public static DateTimeOffset Boundary(DateTimeOffset anchor, IsoDuration cadence, long k)
    {
        RequireNonZero(cadence);
        var months = checked(cadence.TotalMonths * k);
        var ticks = checked(cadence.TotalSeconds * k * TimeSpan.TicksPerSecond);
        return anchor.AddMonths(checked((int)months)).AddTicks(ticks);
    }

    /// <summary>The billing period that contains <paramref name="at"/>: From ≤ at &lt; To (before the anchor too).</summary>
    public static BillingPeriod PeriodAt(DateTimeOffset anchor, IsoDuration cadence, DateTimeOffset at)
    {
        RequireNonZero(cadence);
        long k;
        if (cadence.TotalMonths > 0)
        {
            var months = ((at.UtcDateTime.Year - anchor.UtcDateTime.Year) * 12L) + at.UtcDateTime.Month - anchor.UtcDateTime.Month;
            k = FloorDivide(months, cadence.TotalMonths);
        }
        else
        {
            k = FloorDivide((at - anchor).Ticks, cadence.TotalSeconds * TimeSpan.TicksPerSecond);
        }

        // The estimate is off by at most one step (days within the month, clamping); walk to the exact period.
        while (Boundary(anchor, cadence, k) > at)
        {
            k--;
        }

        while (Boundary(anchor, cadence, k + 1) <= at)
        {
            k++;
        }

        return new BillingPeriod(Boundary(anchor, cadence, k), Boundary(anchor, cadence, k + 1));
    }

    /// <summary>The first boundary strictly after <paramref name="at"/>: where the next billing cycle starts.</summary>
    public static DateTimeOffset NextBoundary(DateTimeOffset anchor, IsoDuration cadence, DateTimeOffset at) =>
        PeriodAt(anchor, cadence, at).To;

    /// <summary>Two durations added part by part (P1M + P14D = P1M14D), as phase offsets are summed.</summary>
    public static IsoDuration Sum(IsoDuration a, IsoDuration b) => new(
        checked(a.Years + b.Years), checked(a.Months + b.Months), checked(a.Weeks + b.Weeks), checked(a.Days + b.Days),
        checked(a.Hours + b.Hours), checked(a.Minutes + b.Minutes), checked(a.Seconds + b.Seconds));

    private static long FloorDivide(long value, long divisor) =>
        (value / divisor) - ((value % divisor != 0 && (value < 0) != (divisor < 0)) ? 1 : 0);

    private static void RequireNonZero(IsoDuration cadence)
    {
        if (cadence.IsZero)
        {
            throw new ArgumentException("a billing cadence must be longer than zero", nameof(cadence));
        }
    }
}
