using System.Text.Json;
using Tollgate.Gateway.Ai;
using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Access;

/// <summary>The most tokens an AI request can use: its prompt, counted, plus the answer's cap (or the plugin's reserve).</summary>
internal static class WorstCase
{
    public static long Tokens(UpstreamRequest prepared, ReadOnlySpan<byte> clientBody, EntitlementConfig config)
    {
        var prompt = TokenEstimator.Shared.EstimatePromptTokens(prepared.RouteType, clientBody, prepared.EffectiveModel ?? prepared.RequestedModel);
        return prepared.RouteType == AiRouteType.Embeddings ? prompt : prompt + (AnswerCap(clientBody) ?? config.CompletionReserveTokens);
    }

    /// <summary>The request's own cap on the answer: <c>max_completion_tokens</c>, <c>max_tokens</c> or <c>max_output_tokens</c>.</summary>
    public static long? AnswerCap(ReadOnlySpan<byte> body)
    {
        long? cap = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var named = reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_output_tokens"u8);
                reader.Read();
                if (named && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value > 0)
                {
                    cap = cap is { } other ? Math.Min(other, value) : value;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return cap;
    }
}
