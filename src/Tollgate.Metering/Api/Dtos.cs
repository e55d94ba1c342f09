using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Subjects;

namespace Tollgate.Metering.Api;

/// <summary>A meter on the wire (OpenMeter v1 <c>Meter</c>).</summary>
public sealed record MeterResponse(
    string Id,
    string Slug,
    string Name,
    string? Description,
    IReadOnlyDictionary<string, string>? Metadata,
    MeterAggregation Aggregation,
    string EventType,
    DateTime? EventFrom,
    string? ValueProperty,
    IReadOnlyDictionary<string, string> GroupBy,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? DeletedAt)
{
    public static MeterResponse From(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return new(meter.Id, meter.Slug, meter.Name, meter.Description, meter.Metadata, meter.Aggregation, meter.EventType,
            meter.EventFrom?.UtcDateTime, meter.ValueProperty, meter.GroupBy.ToDictionary(StringComparer.Ordinal),
            meter.CreatedAt.UtcDateTime, meter.UpdatedAt.UtcDateTime, meter.DeletedAt?.UtcDateTime);
    }
}

/// <summary>A CloudEvent as listed back.</summary>
public sealed record CloudEventResponse(
    string Id,
    string Source,
    [property: JsonPropertyName("specversion")] string SpecVersion,
    string Type,
    string Subject,
    DateTime Time,
    JsonElement? Data,
    [property: JsonPropertyName("dataschema")] string? DataSchema);

/// <summary>An ingested event with its validation error, if any (OpenMeter <c>IngestedEvent</c>).</summary>
public sealed record IngestedEventResponse(
    CloudEventResponse Event,
    string? ValidationError,
    DateTime IngestedAt,
    DateTime StoredAt);

/// <summary>A page of the v2 event listing.</summary>
public sealed record IngestedEventPage(IReadOnlyList<IngestedEventResponse> Items, string? NextCursor);

/// <summary>One row of a meter query on the wire.</summary>
public sealed record MeterQueryRowResponse(
    decimal Value,
    DateTime WindowStart,
    DateTime WindowEnd,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Subject,
    IReadOnlyDictionary<string, string?> GroupBy);

/// <summary>A meter query answer on the wire.</summary>
public sealed record MeterQueryResponse(
    DateTime? From,
    DateTime? To,
    WindowSize? WindowSize,
    IReadOnlyList<MeterQueryRowResponse> Data)
{
    public static MeterQueryResponse Of(MeterQueryResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(result.From?.UtcDateTime, result.To?.UtcDateTime, result.WindowSize,
            [.. result.Data.Select(r => new MeterQueryRowResponse(r.Value, r.WindowStart.UtcDateTime, r.WindowEnd.UtcDateTime, r.Subject, r.GroupBy))]);
    }
}

/// <summary>The body of <c>POST /meters/{m}/query</c>.</summary>
public sealed record MeterQueryRequest
{
    public string? ClientId { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public WindowSize? WindowSize { get; init; }
    public string? WindowTimeZone { get; init; }
    public List<string>? Subject { get; init; }
    public List<string>? FilterCustomerId { get; init; }
    public Dictionary<string, List<string>>? FilterGroupBy { get; init; }
    public Dictionary<string, StringFilter>? AdvancedMeterGroupByFilters { get; init; }
    public List<string>? GroupBy { get; init; }
}

/// <summary>A subject on the wire (deprecated upstream, still used by the SDK).</summary>
public sealed record SubjectResponse(
    string Id,
    string Key,
    string? DisplayName,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTime? CurrentPeriodStart,
    DateTime? CurrentPeriodEnd,
    string? StripeCustomerId,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? DeletedAt)
{
    public static SubjectResponse From(Subject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return new(subject.Id, subject.Key, subject.DisplayName, subject.Metadata, subject.CurrentPeriodStart?.UtcDateTime,
            subject.CurrentPeriodEnd?.UtcDateTime, subject.StripeCustomerId, subject.CreatedAt.UtcDateTime, subject.UpdatedAt.UtcDateTime,
            subject.DeletedAt?.UtcDateTime);
    }
}

/// <summary>Source-generated JSON for every metering type on the wire and in the store.</summary>
/// <summary>A meter Tollgate can define, and whether it is enabled.</summary>
public sealed record BuiltInMeterResponse(string Slug, string Name, string? Description, bool Enabled);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false)]
[JsonSerializable(typeof(MeterResponse))]
[JsonSerializable(typeof(List<MeterResponse>))]
[JsonSerializable(typeof(MeterDraft))]
[JsonSerializable(typeof(MeterPatch))]
[JsonSerializable(typeof(List<BuiltInMeterResponse>))]
[JsonSerializable(typeof(List<IngestedEventResponse>))]
[JsonSerializable(typeof(IngestedEventPage))]
[JsonSerializable(typeof(MeterQueryResponse))]
[JsonSerializable(typeof(MeterQueryRequest))]
[JsonSerializable(typeof(Dictionary<string, StringFilter>))]
[JsonSerializable(typeof(StringFilter))]
[JsonSerializable(typeof(SubjectResponse))]
[JsonSerializable(typeof(List<SubjectResponse>))]
[JsonSerializable(typeof(List<SubjectUpsert>))]
[JsonSerializable(typeof(SubjectUpsert))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string[]>))]
public sealed partial class MeteringJsonContext : JsonSerializerContext;
