using System.Text.Json;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// An entitlement as the API answers it (<c>EntitlementV2</c>; v1 adds <see cref="SubjectKey"/>): the stored fields
/// and, for a metered one, its current usage period and last reset at the time of the answer.
/// </summary>
public sealed record EntitlementView
{
    public required string Type { get; init; }

    public required string Id { get; init; }

    public required string CustomerId { get; init; }

    public string? CustomerKey { get; init; }

    public string? SubjectKey { get; init; }

    public required string FeatureId { get; init; }

    public required string FeatureKey { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required DateTimeOffset ActiveFrom { get; init; }

    public DateTimeOffset? ActiveTo { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public Dictionary<string, JsonElement>? Annotations { get; init; }

    public string? Config { get; init; }

    public RecurringPeriod? UsagePeriod { get; init; }

    public Period? CurrentUsagePeriod { get; init; }

    public DateTimeOffset? LastReset { get; init; }

    public DateTimeOffset? MeasureUsageFrom { get; init; }

    public bool? IsSoftLimit { get; init; }

    public bool? IsUnlimited { get; init; }

    public bool? PreserveOverageAtReset { get; init; }

    public decimal? IssueAfterReset { get; init; }

    public int? IssueAfterResetPriority { get; init; }

    public IssueAfterReset? Issue { get; init; }
}

/// <summary>OpenMeter's <c>Period</c>: from inclusive, to exclusive.</summary>
public sealed record Period(DateTimeOffset From, DateTimeOffset To);

/// <summary>OpenMeter's <c>EntitlementValueV2</c> (v1 answers it without <see cref="GrantBalances"/>).</summary>
public sealed record EntitlementValue
{
    public required bool HasAccess { get; init; }

    public decimal? Balance { get; init; }

    public decimal? Usage { get; init; }

    public decimal? Overage { get; init; }

    public decimal? TotalAvailableGrantAmount { get; init; }

    public string? Config { get; init; }

    public Dictionary<string, decimal>? GrantBalances { get; init; }
}

/// <summary>OpenMeter's <c>CustomerAccess</c>: the value of every feature the customer is entitled to, by feature key.</summary>
public sealed record CustomerAccess(Dictionary<string, EntitlementValue> Entitlements);

/// <summary>OpenMeter's <c>WindowedBalanceHistory</c>.</summary>
public sealed record WindowedBalanceHistory(List<BalanceHistoryWindow> WindowedHistory, List<GrantBurnDownHistorySegment> BurndownHistory);

/// <summary>OpenMeter's <c>BalanceHistoryWindow</c>.</summary>
public sealed record BalanceHistoryWindow(Period Period, decimal Usage, decimal BalanceAtStart);

/// <summary>OpenMeter's <c>GrantBurnDownHistorySegment</c>.</summary>
public sealed record GrantBurnDownHistorySegment(
    Period Period,
    decimal Usage,
    decimal Overage,
    decimal BalanceAtStart,
    IReadOnlyDictionary<string, decimal> GrantBalancesAtStart,
    decimal BalanceAtEnd,
    IReadOnlyDictionary<string, decimal> GrantBalancesAtEnd,
    IReadOnlyList<GrantUsage> GrantUsages);

/// <summary>
/// The gateway's real-time answer for a customer and feature: whether to let the request through and, for a metered
/// feature, the balance left and whether running out blocks (hard limit).
/// </summary>
public sealed record EntitlementAccess(bool HasAccess, string? EntitlementId, string? Type, decimal? Balance, bool IsHardLimit);
