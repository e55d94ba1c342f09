using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;
using Tollgate.Billing.Storage;
using Tollgate.Metering.Queries;

namespace Tollgate.Billing.Catalog.Features;

/// <summary>
/// Something a plan sells or an entitlement grants: static (no meter) or metered, when its usage is its meter's
/// value filtered by <see cref="MeterGroupByFilters"/> (e.g. provider = openai) and the advanced filters.
/// </summary>
public sealed record Feature : IBillingDocument
{
    public static readonly DocumentKind<Feature> Kind = new("feature", FeatureJson.Default.Feature);

    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public DateTimeOffset? ArchivedAt { get; init; }

    public required string Key { get; init; }

    public required string Name { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public string? MeterSlug { get; init; }

    public Dictionary<string, string>? MeterGroupByFilters { get; init; }

    public Dictionary<string, StringFilter>? AdvancedMeterGroupByFilters { get; init; }

    /// <summary>Stored as given (manual amount or LLM cost lookup); used by cost reporting, not by billing.</summary>
    public JsonElement? UnitCost { get; init; }

    [JsonIgnore]
    public bool IsArchived => ArchivedAt is not null;

    /// <summary>The meter query filters that make the meter's value this feature's usage.</summary>
    public MeterQuery UsageQuery(MeterQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filters = MeterGroupByFilters?.ToDictionary(f => f.Key, f => (IReadOnlyList<string>)[f.Value], StringComparer.Ordinal);
        return query with
        {
            FilterGroupBy = filters,
            AdvancedGroupByFilters = AdvancedMeterGroupByFilters?.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal),
        };
    }
}

/// <summary>The body of <c>POST /api/v1/features</c>.</summary>
public sealed record FeatureCreateInputs
{
    public string? Key { get; init; }

    public string? Name { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public string? MeterSlug { get; init; }

    public Dictionary<string, string>? MeterGroupByFilters { get; init; }

    public Dictionary<string, StringFilter>? AdvancedMeterGroupByFilters { get; init; }

    public JsonElement? UnitCost { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(Feature))]
[JsonSerializable(typeof(FeatureCreateInputs))]
[JsonSerializable(typeof(List<Feature>))]
[JsonSerializable(typeof(PaginatedResponse<Feature>))]
internal sealed partial class FeatureJson : JsonSerializerContext;
