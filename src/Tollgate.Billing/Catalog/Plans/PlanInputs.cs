using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Catalog.Plans;

/// <summary>The body of <c>POST /api/v1/plans</c> (OpenMeter's <c>PlanCreate</c>).</summary>
public sealed record PlanCreate
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public string? Key { get; init; }

    public Alignment? Alignment { get; init; }

    /// <summary>USD when omitted.</summary>
    public string? Currency { get; init; }

    public string? BillingCadence { get; init; }

    public ProRatingConfig? ProRatingConfig { get; init; }

    public SettlementMode? SettlementMode { get; init; }

    public IReadOnlyList<PlanPhase?>? Phases { get; init; }
}

/// <summary>The body of <c>PUT /api/v1/plans/{planId}</c> (OpenMeter's <c>PlanReplaceUpdate</c>): key and currency stay.</summary>
public sealed record PlanReplaceUpdate
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public Alignment? Alignment { get; init; }

    public string? BillingCadence { get; init; }

    public ProRatingConfig? ProRatingConfig { get; init; }

    public SettlementMode? SettlementMode { get; init; }

    public IReadOnlyList<PlanPhase?>? Phases { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, AllowOutOfOrderMetadataProperties = true, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(Plan))]
[JsonSerializable(typeof(PlanCreate))]
[JsonSerializable(typeof(PlanReplaceUpdate))]
[JsonSerializable(typeof(PaginatedResponse<Plan>))]
internal sealed partial class PlanJson : JsonSerializerContext;
