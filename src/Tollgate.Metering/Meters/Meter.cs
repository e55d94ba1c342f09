using System.Text.Json.Serialization;

namespace Tollgate.Metering.Meters;

/// <summary>How a meter folds the values of its events into one number.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MeterAggregation>))]
public enum MeterAggregation
{
    [JsonStringEnumMemberName("SUM")] Sum,
    [JsonStringEnumMemberName("COUNT")] Count,
    [JsonStringEnumMemberName("UNIQUE_COUNT")] UniqueCount,
    [JsonStringEnumMemberName("AVG")] Avg,
    [JsonStringEnumMemberName("MIN")] Min,
    [JsonStringEnumMemberName("MAX")] Max,
    [JsonStringEnumMemberName("LATEST")] Latest,
}

/// <summary>A meter as stored: which events it matches and how it aggregates them.</summary>
public sealed record Meter
{
    /// <summary>Internal number that keys the meter's rollups.</summary>
    public required long Number { get; init; }

    public required string Id { get; init; }

    public required string Slug { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public required MeterAggregation Aggregation { get; init; }

    public required string EventType { get; init; }

    public string? ValueProperty { get; init; }

    /// <summary>Group-by keys and their JSONPath, ordered by key (ordinal) so stored group keys are stable.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> GroupBy { get; init; }

    public DateTimeOffset? EventFrom { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>The rollups hold every stored event up to this sequence number.</summary>
    public long BuiltThroughSeq { get; init; }

    /// <summary>True once the rollups cover all stored events; from then on ingest keeps them current.</summary>
    public bool Ready { get; init; }
}
