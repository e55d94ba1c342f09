using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>Where a request's token counts came from (the usage event's <c>usage_source</c>).</summary>
internal enum UsageSource
{
    /// <summary>The provider reported the counts.</summary>
    Provider,

    /// <summary>Tollgate counted some or all of them with a tokenizer.</summary>
    Estimated,
}

/// <summary>
/// The tokens one AI request used, as metered. <see cref="PromptTokens"/> includes <see cref="CachedTokens"/> (as in
/// OpenAI's usage); <see cref="CompletionTokens"/> includes <see cref="ReasoningTokens"/>.
/// </summary>
internal sealed record LlmUsage(
    long PromptTokens,
    long CompletionTokens,
    long? CachedTokens,
    long? ReasoningTokens,
    string? AnsweredModel,
    UsageSource Source)
{
    public long TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>The counts found in a provider's usage object, under OpenAI's, the Responses API's or Anthropic's names.</summary>
internal struct UsageFields
{
    public long? PromptTokens;
    public long? CompletionTokens;
    public long? InputTokens;
    public long? OutputTokens;
    public long? CachedTokens;
    public long? ReasoningTokens;
    public long? CacheReadInputTokens;
    public long? CacheCreationInputTokens;

    /// <summary>Reads a usage object; the reader is on its StartObject and is left on its EndObject.</summary>
    public static UsageFields Read(ref Utf8JsonReader reader)
    {
        var fields = default(UsageFields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                fields.PromptTokens = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                fields.CompletionTokens = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("input_tokens"u8))
            {
                fields.InputTokens = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                fields.OutputTokens = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                fields.CacheReadInputTokens = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                fields.CacheCreationInputTokens = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                fields.CachedTokens = ReadDetail(ref reader, "cached_tokens"u8) ?? fields.CachedTokens;
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
            {
                fields.ReasoningTokens = ReadDetail(ref reader, "reasoning_tokens"u8) ?? fields.ReasoningTokens;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return fields;
    }

    /// <summary>The top-level <c>model</c> and <c>usage</c> of an answer body; nulls when absent or unreadable.</summary>
    public static (string? Model, UsageFields? Usage) ReadTopLevel(ReadOnlySpan<byte> body)
    {
        string? model = null;
        UsageFields? usage = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() : model;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        usage = Read(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // A body that is not JSON has no usage to read.
        }

        return (model, usage);
    }

    /// <summary>Takes every count <paramref name="later"/> has (Anthropic's message_delta repeats or updates message_start's).</summary>
    public void MergeFrom(in UsageFields later)
    {
        PromptTokens = later.PromptTokens ?? PromptTokens;
        CompletionTokens = later.CompletionTokens ?? CompletionTokens;
        InputTokens = later.InputTokens ?? InputTokens;
        OutputTokens = later.OutputTokens ?? OutputTokens;
        CachedTokens = later.CachedTokens ?? CachedTokens;
        ReasoningTokens = later.ReasoningTokens ?? ReasoningTokens;
        CacheReadInputTokens = later.CacheReadInputTokens ?? CacheReadInputTokens;
        CacheCreationInputTokens = later.CacheCreationInputTokens ?? CacheCreationInputTokens;
    }

    /// <summary>OpenAI's chat, completions and embeddings usage, or the Responses API's.</summary>
    public readonly LlmUsage? ToOpenAiUsage(string? answeredModel)
    {
        var prompt = PromptTokens ?? InputTokens;
        var completion = CompletionTokens ?? OutputTokens;
        return prompt is null && completion is null
            ? null
            : new LlmUsage(prompt ?? 0, completion ?? 0, CachedTokens, ReasoningTokens, answeredModel, UsageSource.Provider);
    }

    /// <summary>
    /// Anthropic's usage: its <c>input_tokens</c> leaves out cache reads and writes, so the prompt is the sum of the three
    /// (comparable with OpenAI's <c>prompt_tokens</c>), and cache reads are the cached tokens.
    /// </summary>
    public readonly LlmUsage? ToAnthropicUsage(string? answeredModel, UsageSource source)
    {
        if (InputTokens is null && OutputTokens is null)
        {
            return null;
        }

        var prompt = (InputTokens ?? 0) + (CacheReadInputTokens ?? 0) + (CacheCreationInputTokens ?? 0);
        return new LlmUsage(prompt, OutputTokens ?? 0, CacheReadInputTokens, null, answeredModel, source);
    }

    private static long? ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            return null;
        }

        if (reader.TryGetInt64(out var count))
        {
            return count;
        }

        return reader.TryGetDouble(out var number) && number >= 0 && number < long.MaxValue ? (long)number : null;
    }

    private static long? ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        long? found = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                found = ReadCount(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return found;
    }
}
