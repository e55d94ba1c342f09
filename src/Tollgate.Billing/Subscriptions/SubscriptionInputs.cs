using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Subscriptions;

/// <summary>OpenMeter's <c>PlanReferenceInput</c>: a plan key, and a version (default: the one active now).</summary>
public sealed record PlanReferenceInput
{
    public string? Key { get; init; }

    public int? Version { get; init; }
}

/// <summary>
/// What a new subscription runs on, shared by create and change (<c>PlanSubscriptionCreate</c>/<c>Change</c> and
/// their custom-plan twins): exactly one of <see cref="Plan"/> and <see cref="CustomPlan"/>.
/// </summary>
public abstract record SubscriptionStart
{
    public PlanReferenceInput? Plan { get; init; }

    /// <summary>OpenMeter's <c>CustomPlanInput</c>: a plan of this subscription's own (its key is not used).</summary>
    public PlanCreate? CustomPlan { get; init; }

    public SubscriptionTiming? Timing { get; init; }

    public DateTimeOffset? BillingAnchor { get; init; }

    public Alignment? Alignment { get; init; }

    public string? StartingPhase { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public SettlementMode? SettlementMode { get; init; }

    public string? CostBasisMode { get; init; }
}

/// <summary>The body of <c>POST /api/v1/subscriptions</c> (OpenMeter's <c>SubscriptionCreate</c>).</summary>
public sealed record SubscriptionCreate : SubscriptionStart
{
    public string? CustomerId { get; init; }

    public string? CustomerKey { get; init; }
}

/// <summary>The body of <c>POST /api/v1/subscriptions/{id}/change</c> (OpenMeter's <c>SubscriptionChange</c>).</summary>
public sealed record SubscriptionChange : SubscriptionStart;

/// <summary>The body of <c>POST /api/v1/subscriptions/{id}/cancel</c>.</summary>
public sealed record SubscriptionCancel
{
    public SubscriptionTiming? Timing { get; init; }
}

/// <summary>The body of <c>POST /api/v1/subscriptions/{id}/migrate</c>: another version of the same plan.</summary>
public sealed record SubscriptionMigrate
{
    public SubscriptionTiming? Timing { get; init; }

    public int? TargetVersion { get; init; }

    public string? StartingPhase { get; init; }

    public DateTimeOffset? BillingAnchor { get; init; }
}

/// <summary>What change and migrate answer (OpenMeter's <c>SubscriptionChangeResponseBody</c>).</summary>
public sealed record SubscriptionChangeResponse(Subscription Current, Subscription Next);

/// <summary>The body of <c>PATCH /api/v1/subscriptions/{id}</c> (OpenMeter's <c>SubscriptionEdit</c>).</summary>
public sealed record SubscriptionEdit
{
    public IReadOnlyList<SubscriptionEditOperation?>? Customizations { get; init; }

    public SubscriptionTiming? Timing { get; init; }
}

/// <summary>
/// One of OpenMeter's <c>SubscriptionEditOperation</c>s, chosen by <see cref="Op"/>; read as one shape so a missing
/// or unknown <c>op</c> and each op's missing fields are 400s naming the very field.
/// </summary>
public sealed record SubscriptionEditOperation
{
    public string? Op { get; init; }

    public string? PhaseKey { get; init; }

    public string? ItemKey { get; init; }

    public RateCard? RateCard { get; init; }

    public SubscriptionPhaseCreate? Phase { get; init; }

    /// <summary><c>next</c> or <c>prev</c> (remove_phase).</summary>
    public string? Shift { get; init; }

    /// <summary>ISO 8601 (stretch_phase).</summary>
    public string? ExtendBy { get; init; }
}

/// <summary>OpenMeter's <c>SubscriptionPhaseCreate</c> (add_phase).</summary>
public sealed record SubscriptionPhaseCreate
{
    public string? Key { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>ISO 8601 after the subscription's start; null: at its start.</summary>
    public string? StartAfter { get; init; }

    /// <summary>ISO 8601; required unless the phase becomes the last.</summary>
    public string? Duration { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(SubscriptionCreate))]
[JsonSerializable(typeof(SubscriptionChange))]
[JsonSerializable(typeof(SubscriptionCancel))]
[JsonSerializable(typeof(SubscriptionMigrate))]
[JsonSerializable(typeof(SubscriptionEdit))]
[JsonSerializable(typeof(SubscriptionChangeResponse))]
[JsonSerializable(typeof(PaginatedResponse<Subscription>))]
internal sealed partial class SubscriptionJson : JsonSerializerContext;
