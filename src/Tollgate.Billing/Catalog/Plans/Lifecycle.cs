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

    /// <summary>
    /// A document of <paramref name="kind"/> by id, or by key: the version active at <paramref name="at"/>, else the
    /// latest (with <paramref name="includeLatest"/>: the latest, draft included). Deleted versions are not found.
    /// </summary>
    public static T? Find<T>(BillingState state, DocumentKind<T> kind, string idOrKey, DateTimeOffset at, bool includeLatest)
        where T : class, IVersionedDocument
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Find(kind, idOrKey) is { } byId)
        {
            return byId.DeletedAt is null ? byId : null;
        }

        return ByKey(Versions(state, kind, idOrKey), at, includeLatest);
    }

    /// <summary>A specific version of <paramref name="key"/> (not deleted).</summary>
    public static T? Version<T>(BillingState state, DocumentKind<T> kind, string key, int version)
        where T : class, IVersionedDocument =>
        Versions(state, kind, key).FirstOrDefault(v => v.Version == version && v.DeletedAt is null);

    /// <summary>Every version of <paramref name="key"/>, deleted ones included, by version.</summary>
    public static IReadOnlyList<T> Versions<T>(BillingState state, DocumentKind<T> kind, string key)
        where T : class, IVersionedDocument
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(s => VersionsByKey<T>.Build(s, kind)).ByKey.GetValueOrDefault(key) ?? [];
    }

    /// <summary>The versions of each key of one kind, built once per state.</summary>
    private sealed class VersionsByKey<T>
        where T : class, IVersionedDocument
    {
        public required Dictionary<string, IReadOnlyList<T>> ByKey { get; init; }

        public static VersionsByKey<T> Build(BillingState state, DocumentKind<T> kind) => new()
        {
            ByKey = state.All(kind).GroupBy(v => v.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<T>)[.. g.OrderBy(v => v.Version)], StringComparer.Ordinal),
        };
    }
}

/// <summary>A problem that keeps a draft from being published (OpenMeter's <c>ValidationError</c>).</summary>
public sealed record ValidationError(string Field, string Code, string Message);
