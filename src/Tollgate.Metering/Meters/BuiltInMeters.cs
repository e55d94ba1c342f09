namespace Tollgate.Metering.Meters;

/// <summary>
/// Meters Tollgate knows how to define, enabled with one call (and one click in the console). Enabling creates the
/// meter, which is then built from every stored event, so it also counts usage recorded before it was enabled.
/// </summary>
public static class BuiltInMeters
{
    /// <summary>AI Gateway Tokens: the tokens of every LLM call through the gateway (Kong's <c>kong_konnect_llm_tokens</c>).</summary>
    public static MeterDraft AiGatewayTokens { get; } = new()
    {
        Slug = "kong_konnect_llm_tokens",
        Name = "AI Gateway Tokens",
        Description = "Tokens of LLM requests through the gateway, input (type request) and output (type response).",
        Aggregation = MeterAggregation.Sum,
        EventType = "kong.llm_request",
        ValueProperty = "$.tokens",
        GroupBy = new(StringComparer.Ordinal)
        {
            ["provider"] = "$.provider",
            ["model"] = "$.model",
            ["type"] = "$.type",
            ["consumer"] = "$.consumer",
            ["service"] = "$.service",
            ["route"] = "$.route",
        },
    };

    /// <summary>Every built-in meter, by slug.</summary>
    public static IReadOnlyList<MeterDraft> All { get; } = [AiGatewayTokens];
}
