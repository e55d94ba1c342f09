using System.Text.Json.Serialization;

namespace Tollgate.Gateway.Usage;

/// <summary>
/// The data of one <c>kong.llm_request</c> CloudEvent: the tokens one side of an AI request used, and who, where
/// and what. A successful request produces two, <c>type</c> "request" (input) and "response" (output).
/// </summary>
internal sealed record LlmRequestData
{
    public required long Tokens { get; init; }

    public required string Type { get; init; }

    public required string Provider { get; init; }

    public required string Model { get; init; }

    public string? RequestedModel { get; init; }

    public string? Consumer { get; init; }

    public string? ConsumerId { get; init; }

    public string? Service { get; init; }

    public string? Route { get; init; }

    public required int HttpStatus { get; init; }

    public required string UsageSource { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CachedTokens { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ReasoningTokens { get; init; }

    public required string RequestId { get; init; }
}

/// <summary>One usage event waiting to reach metering: everything its CloudEvent needs.</summary>
internal sealed record UsageEvent(string Id, string Source, string Subject, long TimeTicks, LlmRequestData Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LlmRequestData))]
[JsonSerializable(typeof(UsageEvent))]
internal sealed partial class UsageJson : JsonSerializerContext;
