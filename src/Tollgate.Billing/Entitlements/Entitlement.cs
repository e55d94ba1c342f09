using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// A customer's right to a feature from <see cref="ActiveFrom"/> until <see cref="ActiveTo"/> (or deletion):
/// <c>boolean</c> (access), <c>static</c> (access and a JSON <see cref="Config"/>) or <c>metered</c> (access while the
/// grants' balance, burnt down by the feature's usage in each usage period, lasts, or always with a soft limit).
/// </summary>
public sealed record Entitlement : IBillingDocument
{
    public static readonly DocumentKind<Entitlement> Kind = new("entitlement", EntitlementJson.Default.Entitlement);

    public const string Metered = "metered";
    public const string Static = "static";
    public const string Boolean = "boolean";

    public required string Id { get; init; }

    /// <summary><see cref="Metered"/>, <see cref="Static"/> or <see cref="Boolean"/>.</summary>
    public required string Type { get; init; }

    public required string CustomerId { get; init; }

    public required string FeatureId { get; init; }

    public required string FeatureKey { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required DateTimeOffset ActiveFrom { get; init; }

    /// <summary>When the entitlement ends (e.g. its subscription was cancelled); open-ended when null.</summary>
    public DateTimeOffset? ActiveTo { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    /// <summary>Set by the system, e.g. <c>subscription.id</c> for entitlements a subscription created.</summary>
    public Dictionary<string, JsonElement>? Annotations { get; init; }

    /// <summary>Static only: a JSON document, kept as the string the client sent.</summary>
    public string? Config { get; init; }

    /// <summary>Metered: the usage period (automatic resets); optional for the others.</summary>
    public RecurringPeriod? UsagePeriod { get; init; }

    public bool IsSoftLimit { get; init; }

    public bool PreserveOverageAtReset { get; init; }

    /// <summary>Metered: the grant issued with the entitlement that tops up to this amount at every reset.</summary>
    public IssueAfterReset? Issue { get; init; }

    /// <summary>Metered: usage counts from here (the first period's start or the moment of creation).</summary>
    public DateTimeOffset? MeasureUsageFrom { get; init; }

    /// <summary>Metered: the manual resets, oldest first.</summary>
    public List<UsageReset> Resets { get; init; } = [];

    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>Not deleted and within its active span at <paramref name="at"/>.</summary>
    public bool IsActiveAt(DateTimeOffset at) => !IsDeleted && ActiveFrom <= at && (ActiveTo is null || at < ActiveTo);

    /// <summary>
    /// The usage period in force at <paramref name="at"/>: a reset that did not retain the anchor moved it to the
    /// reset's time from then on.
    /// </summary>
    public RecurringPeriod? UsagePeriodAt(DateTimeOffset at)
    {
        var period = UsagePeriod;
        foreach (var reset in Resets)
        {
            if (reset.At <= at && reset.Anchor is { } anchor && period is not null)
            {
                period = period with { Anchor = anchor };
            }
        }

        return period;
    }

    /// <summary>The start of the most recent reset (automatic or manual) at or before <paramref name="at"/>.</summary>
    public DateTimeOffset LastResetAt(DateTimeOffset at)
    {
        var start = MeasureUsageFrom ?? ActiveFrom;
        if (at < start)
        {
            return start;
        }

        var last = start;
        foreach (var reset in Resets)
        {
            if (reset.At <= at && reset.At > last)
            {
                last = reset.At;
            }
        }

        if (UsagePeriodAt(at) is { } period)
        {
            var periodStart = period.PeriodAt(at).From;
            if (periodStart > last)
            {
                last = periodStart;
            }
        }

        return last;
    }

    /// <summary>Every reset from usage start to <paramref name="to"/>: the usage period's boundaries and the manual resets.</summary>
    public IReadOnlyList<BalanceReset> ResetsUntil(DateTimeOffset to)
    {
        var start = MeasureUsageFrom ?? ActiveFrom;
        var resets = new List<BalanceReset>();
        var segmentStart = start;
        var period = UsagePeriod;
        foreach (var manual in Resets.Append(null))
        {
            var last = manual is null || manual.At > to;
            var segmentEnd = last ? to : manual!.At;
            if (period is not null && segmentEnd > segmentStart)
            {
                foreach (var boundary in period.StartsBetween(segmentStart, segmentEnd))
                {
                    // A period boundary at the manual reset's moment is that reset, not a second one.
                    if (boundary < segmentEnd || last)
                    {
                        resets.Add(new BalanceReset(boundary, PreserveOverageAtReset));
                    }
                }
            }

            if (last)
            {
                break;
            }

            resets.Add(new BalanceReset(manual!.At, manual.PreserveOverage));
            segmentStart = manual.At;
            if (manual.Anchor is { } anchor && period is not null)
            {
                period = period with { Anchor = anchor };
            }
        }

        return resets;
    }
}

/// <summary>The grant a metered entitlement issues for itself, refilled to <see cref="Amount"/> at every reset.</summary>
public sealed record IssueAfterReset
{
    public required decimal Amount { get; init; }

    public int Priority { get; init; } = 1;
}

/// <summary>A manual reset of a metered entitlement's usage.</summary>
public sealed record UsageReset
{
    public required DateTimeOffset At { get; init; }

    public required bool PreserveOverage { get; init; }

    /// <summary>The usage period's new anchor from this reset on, or null when the anchor was retained.</summary>
    public DateTimeOffset? Anchor { get; init; }
}
