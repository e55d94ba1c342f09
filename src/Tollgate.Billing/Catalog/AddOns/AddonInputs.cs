using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Catalog.AddOns;

/// <summary>The body of <c>POST /api/v1/addons</c> (OpenMeter's <c>AddonCreate</c>).</summary>
public sealed record AddonCreate
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public string? Key { get; init; }

    public AddonInstanceType? InstanceType { get; init; }

    /// <summary>USD when omitted.</summary>
    public string? Currency { get; init; }

    public IReadOnlyList<RateCard>? RateCards { get; init; }
}

/// <summary>The body of <c>PUT /api/v1/addons/{addonId}</c> (OpenMeter's <c>AddonReplaceUpdate</c>).</summary>
public sealed record AddonReplaceUpdate
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public AddonInstanceType? InstanceType { get; init; }

    public IReadOnlyList<RateCard>? RateCards { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, AllowOutOfOrderMetadataProperties = true, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(Addon))]
[JsonSerializable(typeof(AddonCreate))]
[JsonSerializable(typeof(AddonReplaceUpdate))]
[JsonSerializable(typeof(PaginatedResponse<Addon>))]
[JsonSerializable(typeof(PlanAddon))]
[JsonSerializable(typeof(PlanAddonView))]
[JsonSerializable(typeof(PlanAddonCreate))]
[JsonSerializable(typeof(PlanAddonReplaceUpdate))]
[JsonSerializable(typeof(PaginatedResponse<PlanAddonView>))]
internal sealed partial class AddonJson : JsonSerializerContext;
