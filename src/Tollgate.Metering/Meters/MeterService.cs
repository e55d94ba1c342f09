using System.Text.RegularExpressions;
using Tollgate.Metering.Ingest;

namespace Tollgate.Metering.Meters;

/// <summary>The fields a caller sets when creating a meter.</summary>
public sealed record MeterDraft
{
    public string? Slug { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public MeterAggregation? Aggregation { get; init; }
    public string? EventType { get; init; }
    public DateTimeOffset? EventFrom { get; init; }
    public string? ValueProperty { get; init; }
    public Dictionary<string, string>? GroupBy { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>The fields a caller may change on an existing meter.</summary>
public sealed record MeterPatch
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public Dictionary<string, string>? GroupBy { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>A refused meter change, naming the field at fault.</summary>
public sealed class MeterValidationException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;

    public string Reason { get; } = message;
}

/// <summary>A meter slug already in use.</summary>
public sealed class MeterConflictException(string slug) : Exception($"a meter with slug \"{slug}\" already exists")
{
    public string Slug { get; } = slug;
}

/// <summary>Creates, changes and deletes meters; every change runs in the writer so ingest sees it atomically.</summary>
public sealed partial class MeterService(EventIngestor ingestor, MeterCatalog catalog, TimeProvider time)
{
    public MeterSnapshot Current => catalog.Current;

    public async Task<Meter> CreateAsync(MeterDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        Validate(draft);
        var now = time.GetUtcNow();
        var result = await ingestor.ChangeMetersAsync((session, all) =>
        {
            if (all.Any(m => m.DeletedAt is null && m.Slug == draft.Slug))
            {
                throw new MeterConflictException(draft.Slug!);
            }

            var meter = new Meter
            {
                Number = session.NextMeterNumber(),
                Id = Ulid.NewUlid(now).ToString(),
                Slug = draft.Slug!,
                Name = string.IsNullOrEmpty(draft.Name) ? draft.Slug! : draft.Name,
                Description = draft.Description,
                Aggregation = draft.Aggregation!.Value,
                EventType = draft.EventType!,
                ValueProperty = draft.Aggregation == MeterAggregation.Count ? null : draft.ValueProperty,
                GroupBy = Ordered(draft.GroupBy),
                EventFrom = draft.EventFrom?.ToUniversalTime(),
                Metadata = draft.Metadata,
                CreatedAt = now,
                UpdatedAt = now,
            };
            session.InsertMeter(meter);
            return meter;
        }, cancellationToken);
        return (Meter)result!;
    }

    /// <summary>
    /// Enables a built-in meter (<see cref="BuiltInMeters"/>) by slug: creates it, or answers the one already enabled
    /// (Created false). Null when there is no built-in meter with that slug.
    /// </summary>
    public async Task<(Meter Meter, bool Created)?> EnableBuiltInAsync(string slug, CancellationToken cancellationToken)
    {
        if (BuiltInMeters.All.FirstOrDefault(d => string.Equals(d.Slug, slug, StringComparison.Ordinal)) is not { } draft)
        {
            return null;
        }

        if (Current.Find(slug) is { } existing)
        {
            return (existing.Meter, false);
        }

        try
        {
            return (await CreateAsync(draft, cancellationToken), true);
        }
        catch (MeterConflictException) when (Current.Find(slug) is { } created)
        {
            // Enabled meanwhile by another call or node.
            return (created.Meter, false);
        }
    }

    public async Task<Meter?> UpdateAsync(string idOrSlug, MeterPatch patch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        if (patch.Name is { Length: 0 or > 256 })
        {
            throw new MeterValidationException("name", "must be between 1 and 256 characters");
        }

        if (patch.Description is { Length: > 1024 })
        {
            throw new MeterValidationException("description", "must be at most 1024 characters");
        }

        ValidateGroupBy(patch.GroupBy);
        var now = time.GetUtcNow();
        var result = await ingestor.ChangeMetersAsync((session, all) =>
        {
            var existing = all.FirstOrDefault(m => m.DeletedAt is null && (m.Id == idOrSlug || m.Slug == idOrSlug));
            if (existing is null)
            {
                return null;
            }

            var groupBy = patch.GroupBy is null ? existing.GroupBy : Ordered(patch.GroupBy);
            var regroup = !groupBy.SequenceEqual(existing.GroupBy);
            var updated = existing with
            {
                Name = patch.Name ?? existing.Name,
                Description = patch.Description ?? existing.Description,
                Metadata = patch.Metadata ?? existing.Metadata,
                GroupBy = groupBy,
                UpdatedAt = now,

                // New group-by keys change every rollup row: rebuild them from the stored events.
                BuiltThroughSeq = regroup ? 0 : existing.BuiltThroughSeq,
                Ready = !regroup && existing.Ready,
            };
            if (regroup)
            {
                session.ClearRollups(existing.Number);
            }

            session.UpdateMeter(updated);
            return updated;
        }, cancellationToken);
        return (Meter?)result;
    }

    public async Task<bool> DeleteAsync(string idOrSlug, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = await ingestor.ChangeMetersAsync((session, all) =>
        {
            var existing = all.FirstOrDefault(m => m.DeletedAt is null && (m.Id == idOrSlug || m.Slug == idOrSlug));
            if (existing is null)
            {
                return false;
            }

            session.ClearRollups(existing.Number);
            session.UpdateMeter(existing with { DeletedAt = now, UpdatedAt = now, Ready = false });
            return true;
        }, cancellationToken);
        return (bool)result!;
    }

    internal static void Validate(MeterDraft draft)
    {
        if (string.IsNullOrEmpty(draft.Slug))
        {
            throw new MeterValidationException("slug", "is required");
        }

        if (draft.Slug.Length > 64 || !SlugPattern().IsMatch(draft.Slug))
        {
            throw new MeterValidationException("slug", "must be 1 to 64 lowercase letters, digits and single underscores between them, such as tokens_total");
        }

        if (draft.Name is { Length: > 256 })
        {
            throw new MeterValidationException("name", "must be at most 256 characters");
        }

        if (draft.Description is { Length: > 1024 })
        {
            throw new MeterValidationException("description", "must be at most 1024 characters");
        }

        if (draft.Aggregation is null)
        {
            throw new MeterValidationException("aggregation", "is required: one of SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX, LATEST");
        }

        if (string.IsNullOrEmpty(draft.EventType))
        {
            throw new MeterValidationException("eventType", "is required");
        }

        if (draft.Aggregation == MeterAggregation.Count)
        {
            if (draft.ValueProperty is not null)
            {
                throw new MeterValidationException("valueProperty", "must be absent for COUNT meters");
            }
        }
        else if (draft.ValueProperty is null)
        {
            throw new MeterValidationException("valueProperty", $"is required for {AggregationName(draft.Aggregation.Value)} meters");
        }
        else if (!JsonPath.TryParse(draft.ValueProperty, out _, out var error))
        {
            throw new MeterValidationException("valueProperty", error!);
        }

        ValidateGroupBy(draft.GroupBy);
        if (draft.ValueProperty is not null && draft.GroupBy?.ContainsValue(draft.ValueProperty) == true)
        {
            throw new MeterValidationException("groupBy", "must not group by the value property");
        }
    }

    private static void ValidateGroupBy(Dictionary<string, string>? groupBy)
    {
        foreach (var (key, path) in groupBy ?? [])
        {
            if (!GroupKeyPattern().IsMatch(key))
            {
                throw new MeterValidationException($"groupBy.{key}", "keys must consist of letters, digits and underscores");
            }

            if (key == "subject")
            {
                throw new MeterValidationException("groupBy.subject", "subject is a reserved group-by key");
            }

            if (!JsonPath.TryParse(path, out _, out var error))
            {
                throw new MeterValidationException($"groupBy.{key}", error!);
            }
        }
    }

    private static string AggregationName(MeterAggregation aggregation) => aggregation switch
    {
        MeterAggregation.UniqueCount => "UNIQUE_COUNT",
        _ => aggregation.ToString().ToUpperInvariant(),
    };

    private static KeyValuePair<string, string>[] Ordered(Dictionary<string, string>? groupBy) =>
        [.. (groupBy ?? []).OrderBy(g => g.Key, StringComparer.Ordinal)];

    [GeneratedRegex("^[a-z0-9]+(?:_[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[a-zA-Z0-9_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex GroupKeyPattern();
}
