using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Tollgate.Gateway.Ai;

/// <summary>
/// Counts tokens with OpenAI's tokenizers (o200k_base, cl100k_base) when a provider reports no usage. The tokenizers
/// are built once per process and shared; they are safe to use from many threads.
/// </summary>
internal sealed class TokenEstimator
{
    /// <summary>OpenAI's per-message overhead in chat prompts (role and separators).</summary>
    public const int TokensPerMessage = 3;

    /// <summary>OpenAI primes every reply with this many tokens.</summary>
    public const int ReplyPrimingTokens = 3;

    /// <summary>A rough count for an image part (OpenAI's low-detail cost), so images never count zero.</summary>
    public const int TokensPerImage = 85;

    private static readonly string[] O200kPrefixes = ["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss", "o1", "o3", "o4", "codex"];
    private static readonly string[] Cl100kPrefixes =
        ["gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002", "davinci-002", "babbage-002"];

    private readonly Lazy<Tokenizer> _o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private readonly Lazy<Tokenizer> _cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>The process-wide estimator (its tokenizers take a moment to build and are worth sharing).</summary>
    public static TokenEstimator Shared { get; } = new();

    /// <summary>The tiktoken encoding for a model: o200k_base for current OpenAI models and anything unknown, cl100k_base for GPT-4 and GPT-3.5.</summary>
    public static string EncodingFor(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return "o200k_base";
        }

        var name = model.AsSpan();
        var slash = name.LastIndexOf('/');
        if (slash >= 0)
        {
            name = name[(slash + 1)..];
        }

        foreach (var prefix in O200kPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return "o200k_base";
            }
        }

        foreach (var prefix in Cl100kPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return "cl100k_base";
            }
        }

        return "o200k_base";
    }

    public int CountTokens(ReadOnlySpan<char> text, string? model) =>
        text.IsEmpty ? 0 : TokenizerFor(model).CountTokens(text);

    /// <summary>
    /// The usage to meter: the provider's when it is complete; otherwise estimated (<see cref="UsageSource.Estimated"/>)
    /// from the client's request and the text generated so far, keeping whatever part the provider did report. Text
    /// that was generated never counts as zero completion tokens.
    /// </summary>
    public LlmUsage Resolve(
        AiRouteType routeType,
        ReadOnlySpan<byte> requestBody,
        string? model,
        LlmUsage? providerUsage,
        ReadOnlySpan<char> generatedText,
        string? answeredModel = null)
    {
        if (providerUsage is { Source: UsageSource.Provider } complete && (complete.CompletionTokens > 0 || generatedText.IsEmpty))
        {
            return complete;
        }

        answeredModel ??= providerUsage?.AnsweredModel;
        var countingModel = answeredModel ?? model;
        var completion = Math.Max(CountTokens(generatedText, countingModel), providerUsage?.CompletionTokens ?? 0);
        var prompt = providerUsage is { PromptTokens: > 0 } partial
            ? partial.PromptTokens
            : EstimatePromptTokens(routeType, requestBody, countingModel);
        return new LlmUsage(prompt, completion, providerUsage?.CachedTokens, providerUsage?.ReasoningTokens, answeredModel, UsageSource.Estimated);
    }

    /// <summary>
    /// Prompt tokens of an OpenAI-format request. Chat follows OpenAI's rule: 3 per message, plus the tokens of its role,
    /// content text and name (+1 for a name), plus 3 to prime the reply. Completions and embeddings count their prompt
    /// or input (token arrays count their length). Responses count <c>instructions</c> and each <c>input</c> item as messages.
    /// </summary>
    public long EstimatePromptTokens(AiRouteType routeType, ReadOnlySpan<byte> requestBody, string? model)
    {
        var tokenizer = TokenizerFor(model);
        var reader = new Utf8JsonReader(requestBody);
        JsonDocument? document;
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out document))
            {
                return CountUtf8(tokenizer, requestBody);
            }
        }
        catch (JsonException)
        {
            return CountUtf8(tokenizer, requestBody);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return CountUtf8(tokenizer, requestBody);
            }

            return routeType switch
            {
                AiRouteType.Chat => CountChat(tokenizer, root),
                AiRouteType.Completions => CountPromptValue(tokenizer, root, "prompt"),
                AiRouteType.Embeddings => CountPromptValue(tokenizer, root, "input"),
                AiRouteType.Responses => CountResponses(tokenizer, root),
                _ => root.TryGetProperty("messages", out _) ? CountChat(tokenizer, root)
                    : root.TryGetProperty("prompt", out _) ? CountPromptValue(tokenizer, root, "prompt")
                    : root.TryGetProperty("input", out _) ? CountResponses(tokenizer, root)
                    : CountUtf8(tokenizer, requestBody),
            };
        }
    }

    private Tokenizer TokenizerFor(string? model) =>
        EncodingFor(model) == "cl100k_base" ? _cl100k.Value : _o200k.Value;

    private static long CountUtf8(Tokenizer tokenizer, ReadOnlySpan<byte> utf8) =>
        utf8.IsEmpty ? 0 : tokenizer.CountTokens(Encoding.UTF8.GetString(utf8));

    private static long Count(Tokenizer tokenizer, string? text) =>
        string.IsNullOrEmpty(text) ? 0 : tokenizer.CountTokens(text);

    private static long CountChat(Tokenizer tokenizer, JsonElement root)
    {
        long total = ReplyPrimingTokens;
        if (root.TryGetProperty("system", out var system))
        {
            // An Anthropic Messages body (route type preserve): its system prompt is one more message.
            total += TokensPerMessage + Count(tokenizer, "system") + CountContent(tokenizer, system);
        }

        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                total += CountMessage(tokenizer, message);
            }
        }

        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                total += Count(tokenizer, tool.GetRawText());
            }
        }

        return total;
    }

    private static long CountMessage(Tokenizer tokenizer, JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }

        long total = TokensPerMessage;
        foreach (var property in message.EnumerateObject())
        {
            switch (property.Name)
            {
                case "role" or "tool_call_id" when property.Value.ValueKind == JsonValueKind.String:
                    total += Count(tokenizer, property.Value.GetString());
                    break;
                case "name" when property.Value.ValueKind == JsonValueKind.String:
                    total += Count(tokenizer, property.Value.GetString()) + 1;
                    break;
                case "content" or "refusal":
                    total += CountContent(tokenizer, property.Value);
                    break;
                case "tool_calls" when property.Value.ValueKind == JsonValueKind.Array:
                    foreach (var call in property.Value.EnumerateArray())
                    {
                        if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                        {
                            total += CountString(tokenizer, function, "name") + CountString(tokenizer, function, "arguments");
                        }
                    }

                    break;
            }
        }

        return total;
    }

    /// <summary>A content value: a string, or parts whose text counts (images a fixed amount).</summary>
    private static long CountContent(Tokenizer tokenizer, JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return Count(tokenizer, content.GetString());
            case JsonValueKind.Array:
                long total = 0;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.String)
                    {
                        total += Count(tokenizer, part.GetString());
                    }
                    else if (part.ValueKind == JsonValueKind.Object)
                    {
                        total += part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                            ? Count(tokenizer, text.GetString())
                            : part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                                && type.GetString() is "image_url" or "input_image" or "image"
                                ? TokensPerImage
                                : 0;
                    }
                }

                return total;
            default:
                return 0;
        }
    }

    /// <summary>A completions prompt or an embeddings input: a string, strings, or token arrays.</summary>
    private static long CountPromptValue(Tokenizer tokenizer, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return 0;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return Count(tokenizer, value.GetString());
            case JsonValueKind.Array:
                long total = 0;
                foreach (var item in value.EnumerateArray())
                {
                    total += item.ValueKind switch
                    {
                        JsonValueKind.String => Count(tokenizer, item.GetString()),
                        JsonValueKind.Number => 1,
                        JsonValueKind.Array => item.GetArrayLength(),
                        _ => 0,
                    };
                }

                return total;
            default:
                return 0;
        }
    }

    private static long CountResponses(Tokenizer tokenizer, JsonElement root)
    {
        long total = ReplyPrimingTokens;
        if (root.TryGetProperty("instructions", out var instructions) && instructions.ValueKind == JsonValueKind.String)
        {
            total += TokensPerMessage + Count(tokenizer, "system") + Count(tokenizer, instructions.GetString());
        }

        if (!root.TryGetProperty("input", out var input))
        {
            return total;
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            return total + TokensPerMessage + Count(tokenizer, "user") + Count(tokenizer, input.GetString());
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            return total;
        }

        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (item.TryGetProperty("role", out _))
            {
                total += CountMessage(tokenizer, item);
                continue;
            }

            // Items without a role: function calls and their outputs, and reasoning carried over.
            total += CountString(tokenizer, item, "name") + CountString(tokenizer, item, "arguments") + CountString(tokenizer, item, "output");
            if (item.TryGetProperty("summary", out var summary))
            {
                total += CountContent(tokenizer, summary);
            }
        }

        return total;
    }

    private static long CountString(Tokenizer tokenizer, JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Count(tokenizer, value.GetString()) : 0;
}
