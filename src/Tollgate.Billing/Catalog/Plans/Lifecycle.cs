using System.Text.Json.Serialization;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.Plans;

/// <summary>A catalog document with versions of one key and an effective period: plans and add-ons.</summary>
public interface IVersionedDocument : IBillingDocument
{
    string Key { get; }

    int Version { get; }

    DateTimeOffset? EffectiveFrom { get; }

    DateTimeOffset? EffectiveTo { get; }

    DateTimeOffset? DeletedAt { get; }
}

/// <summary>Where a version is in its life, derived from its effective period and the clock.</summary>
[JsonConverter(typeof(StrictEnumConverter<PlanStatus>))]
public enum PlanStatus
{
    [JsonStringEnumMemberName("draft")]
    Draft,

    [JsonStringEnumMemberName("active")]
    Active,

    [JsonStringEnumMemberName("archived")]
    Archived,

    [JsonStringEnumMemberName("scheduled")]
    Scheduled,
}

/// <summary>
/// OpenMeter's versioned lifecycle: draft (no effectiveFrom) → scheduled (effectiveFrom ahead) → active
/// (effectiveFrom ≤ now &lt; effectiveTo) → archived (effectiveTo ≤ now).
/// </summary>
public static class Lifecycle
{
    public static PlanStatus Status(DateTimeOffset? effectiveFrom, DateTimeOffset? effectiveTo, DateTimeOffset now) =>
        effectiveFrom is not { } from ? PlanStatus.Draft
        : effectiveTo is { } to && to <= now ? PlanStatus.Archived
        : from > now ? PlanStatus.Scheduled
        : PlanStatus.Active;

    public static PlanStatus Status(IVersionedDocument document, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Status(document.EffectiveFrom, document.EffectiveTo, now);
    }

    /// <summary>The version in effect at <paramref name="at"/> (not deleted), if any.</summary>
    public static T? ActiveAt<T>(IEnumerable<T> versions, DateTimeOffset at)
        where T : IVersionedDocument =>
        versions.Where(v => v.DeletedAt is null && v.EffectiveFrom is { } from && from <= at && (v.EffectiveTo is not { } to || at < to))
            .OrderByDescending(v => v.Version)
            .FirstOrDefault();

    /// <summary>The highest version not deleted, if any.</summary>
    public static T? Latest<T>(IEnumerable<T> versions)
        where T : IVersionedDocument =>
        versions.Where(v => v.DeletedAt is null).OrderByDescending(v => v.Version).FirstOrDefault();

    /// <summary>The next version number of a key; deleted versions keep theirs, so numbers are never reused.</summary>
    public static int NextVersion<T>(IEnumerable<T> versions)
        where T : IVersionedDocument =>
        versions.Select(v => v.Version).DefaultIfEmpty(0).Max() + 1;

    /// <summary>By key: the version active now; else (or with <paramref name="includeLatest"/>) the latest version.</summary>
    public static T? ByKey<T>(IReadOnlyList<T> versions, DateTimeOffset now, bool includeLatest)
        where T : IVersionedDocument =>
        includeLatest ? Latest(versions) : ActiveAt(versions, now) ?? Latest(versions);
}

/// <summary>A problem that keeps a draft from being published (OpenMeter's <c>ValidationError</c>).</summary>
public sealed record ValidationError(string Field, string Code, string Message);
