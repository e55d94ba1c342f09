using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>
/// Anthropic's Messages API behind OpenAI's chat format: the request is translated to <c>/v1/messages</c> and the
/// answer (whole or streamed) back to <c>chat.completion</c> objects and chunks; errors to OpenAI's shape.
/// </summary>
internal sealed class AnthropicProvider(AiProxyConfig config, TokenEstimator estimator, TimeProvider time)
    : LlmProviderBase(config, estimator, time)
{
    /// <summary>Anthropic requires <c>max_tokens</c>; this is used when neither the request nor the config sets it.</summary>
    public const int DefaultMaxTokens = 4096;

    public const string ApiUrl = "https://api.anthropic.com";

    public override LlmResponse TranslateResponse(UpstreamRequest request, int statusCode, ReadOnlyMemory<byte> upstreamBody)
    {
        ArgumentNullException.ThrowIfNull(request);
        var success = statusCode is >= 200 and <= 299;
        if (request.RouteType == AiRouteType.Preserve)
        {
            var (answered, fields) = UsageFields.ReadTopLevel(upstreamBody.Span);
            return new LlmResponse(statusCode, upstreamBody, null, success ? fields?.ToAnthropicUsage(answered, UsageSource.Provider) : null, answered);
        }

        if (!success)
        {
            return TranslateError(statusCode, upstreamBody);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(upstreamBody);
        }
        catch (JsonException)
        {
            var guessed = Estimator.Resolve(request.RouteType, request.ClientBody.Span, request.EffectiveModel, null, default);
            return new LlmResponse(statusCode, upstreamBody, null, guessed, null);
        }

        using (document)
        {
            return TranslateMessage(request, statusCode, document.RootElement, upstreamBody);
        }
    }

    public override IStreamTranslator CreateStreamTranslator(UpstreamRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new AnthropicStreamTranslator(request, Estimator, Time.GetUtcNow().ToUnixTimeSeconds(), passthrough: request.RouteType == AiRouteType.Preserve);
    }

    /// <summary>Anthropic's finish reasons in OpenAI's words.</summary>
    internal static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };

    protected override bool TryBuild(
        ReadOnlyMemory<byte> clientBody,
        in RequestFacts facts,
        PreparedCall call,
        ClientRequestInfo client,
        [NotNullWhen(true)] out UpstreamRequest? request,
        [NotNullWhen(false)] out LlmErrorResponse? error)
    {
        request = null;
        error = null;
        var buffer = new ArrayBufferWriter<byte>(clientBody.Length + 256);
        string? problem;
        using (var document = JsonDocument.Parse(clientBody))
        using (var writer = new Utf8JsonWriter(buffer, OpenAiErrors.WriterOptions))
        {
            problem = WriteMessagesRequest(writer, document.RootElement, call);
        }

        if (problem is not null)
        {
            error = OpenAiErrors.Create(400, problem);
            return false;
        }

        request = new UpstreamRequest
        {
            Provider = AiProvider.Anthropic,
            RouteType = Config.RouteType,
            Url = RouteUrl(call.EffectiveModel, client, apiVersion: null, dependsOnModel: false),
            Headers = BuildHeaders(client, json: true),
            Body = buffer.WrittenMemory,
            ClientBody = clientBody,
            Stream = call.Stream,
            ClientAskedForUsage = facts.IncludeUsage,
            RequestedModel = call.RequestedModel,
            EffectiveModel = call.EffectiveModel,
            ModelNameHeader = ModelNameHeader(call.EffectiveModel),
        };
        return true;
    }

    protected override string PreserveUrl(ClientRequestInfo client) => ApiUrl + (Options.UpstreamPath ?? client.Path ?? "/");

    protected override string DefaultUrl(string model) => ApiUrl + (Options.UpstreamPath ?? "/v1/messages");

    protected override void AddProviderHeaders(List<KeyValuePair<string, string>> headers) =>
        headers.Add(new("anthropic-version", Options.AnthropicVersion ?? AiModelOptions.DefaultAnthropicVersion));

    /// <summary>Anthropic's <c>{"type":"error","error":{"type","message"}}</c> as OpenAI's error; anything else passes through.</summary>
    private static LlmResponse TranslateError(int statusCode, ReadOnlyMemory<byte> upstreamBody)
    {
        try
        {
            using var document = JsonDocument.Parse(upstreamBody);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                var type = error.TryGetProperty("type", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString()! : "api_error";
                return new LlmResponse(statusCode, OpenAiErrors.Body(message.GetString()!, type), LlmErrorResponse.ContentType, null, null);
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): the client gets it as it came.
        }

        return new LlmResponse(statusCode, upstreamBody, null, null, null);
    }

    private LlmResponse TranslateMessage(UpstreamRequest request, int statusCode, JsonElement root, ReadOnlyMemory<byte> upstreamBody)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            var guessed = Estimator.Resolve(request.RouteType, request.ClientBody.Span, request.EffectiveModel, null, default);
            return new LlmResponse(statusCode, upstreamBody, null, guessed, null);
        }

        var model = StringOf(root, "model");
        var text = new StringBuilder();
        var generated = new StringBuilder();
        var tools = 0;
        foreach (var block in content.EnumerateArray())
        {
            switch (StringOf(block, "type"))
            {
                case "text":
                    text.Append(StringOf(block, "text"));
                    break;
                case "tool_use":
                    tools++;
                    generated.Append(StringOf(block, "name"));
                    if (block.TryGetProperty("input", out var input))
                    {
                        generated.Append(input.GetRawText());
                    }

                    break;
                case "thinking":
                    generated.Append(StringOf(block, "thinking"));
                    break;
            }
        }

        generated.Append(text);
        var (_, fields) = UsageFields.ReadTopLevel(upstreamBody.Span);
        var provided = fields?.ToAnthropicUsage(model, UsageSource.Provider);
        var usage = Estimator.Resolve(request.RouteType, request.ClientBody.Span, request.EffectiveModel, provided, generated.ToString(), model);

        var buffer = new ArrayBufferWriter<byte>(upstreamBody.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, OpenAiErrors.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", StringOf(root, "id") ?? string.Empty);
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", Time.GetUtcNow().ToUnixTimeSeconds());
            writer.WriteString("model", model ?? request.EffectiveModel);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            if (text.Length > 0 || tools == 0)
            {
                writer.WriteString("content", text.ToString());
            }
            else
            {
                writer.WriteNull("content");
            }

            if (tools > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var block in content.EnumerateArray())
                {
                    if (StringOf(block, "type") == "tool_use")
                    {
                        writer.WriteStartObject();
                        writer.WriteString("id", StringOf(block, "id"));
                        writer.WriteString("type", "function");
                        writer.WriteStartObject("function");
                        writer.WriteString("name", StringOf(block, "name"));
                        writer.WriteString("arguments", block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
                        writer.WriteEndObject();
                        writer.WriteEndObject();
                    }
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", FinishReason(StringOf(root, "stop_reason")));
            writer.WriteEndObject();
            writer.WriteEndArray();
            WriteUsage(writer, usage);
            writer.WriteEndObject();
        }

        return new LlmResponse(statusCode, buffer.WrittenMemory, LlmErrorResponse.ContentType, usage, model);
    }

    /// <summary>OpenAI's usage object for a usage.</summary>
    internal static void WriteUsage(Utf8JsonWriter writer, LlmUsage usage)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.PromptTokens);
        writer.WriteNumber("completion_tokens", usage.CompletionTokens);
        writer.WriteNumber("total_tokens", usage.TotalTokens);
        if (usage.CachedTokens is { } cached)
        {
            writer.WriteStartObject("prompt_tokens_details");
            writer.WriteNumber("cached_tokens", cached);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string At(int index) => index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The text of a content value: a string, or the text parts of an array.</summary>
    private static string? TextOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.String)
            {
                text.Append(part.GetString());
            }
            else if (StringOf(part, "text") is { } partText)
            {
                text.Append(partText);
            }
        }

        return text.ToString();
    }

    /// <summary>Writes the Messages API request for an OpenAI chat request; returns what is wrong with it, or null.</summary>
    private string? WriteMessagesRequest(Utf8JsonWriter writer, JsonElement root, PreparedCall call)
    {
        var messages = root.GetProperty("messages");
        writer.WriteStartObject();
        writer.WriteString("model", call.EffectiveModel);
        writer.WritePropertyName("max_tokens");
        if (root.TryGetProperty("max_tokens", out var max) && max.ValueKind == JsonValueKind.Number
            || root.TryGetProperty("max_completion_tokens", out max) && max.ValueKind == JsonValueKind.Number)
        {
            max.WriteTo(writer);
        }
        else
        {
            writer.WriteNumberValue(Options.MaxTokens ?? DefaultMaxTokens);
        }

        var system = new StringBuilder();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = StringOf(message, "role");
            if (role is null)
            {
                return $"messages[{At(index)}].role must be a string";
            }

            if (role is "system" or "developer")
            {
                system.Append(system.Length > 0 ? "\n" : string.Empty).Append(message.TryGetProperty("content", out var content) ? TextOf(content) : null);
            }

            index++;
        }

        if (system.Length > 0)
        {
            writer.WriteString("system", system.ToString());
        }

        var problem = WriteMessages(writer, messages);
        if (problem is not null)
        {
            return problem;
        }

        WriteNumberOption(writer, root, "temperature", Options.Temperature);
        WriteNumberOption(writer, root, "top_p", Options.TopP);
        WriteNumberOption(writer, root, "top_k", Options.TopK);
        if (root.TryGetProperty("stop", out var stop))
        {
            if (stop.ValueKind == JsonValueKind.String)
            {
                writer.WriteStartArray("stop_sequences");
                writer.WriteStringValue(stop.GetString());
                writer.WriteEndArray();
            }
            else if (stop.ValueKind == JsonValueKind.Array)
            {
                writer.WritePropertyName("stop_sequences");
                stop.WriteTo(writer);
            }
        }

        if (call.Stream)
        {
            writer.WriteBoolean("stream", true);
        }

        problem = WriteTools(writer, root);
        if (problem is not null)
        {
            return problem;
        }

        if (StringOf(root, "user") is { } user)
        {
            writer.WriteStartObject("metadata");
            writer.WriteString("user_id", user);
            writer.WriteEndObject();
        }

        if (Config.Auth is { ParamLocation: AuthParamLocation.Body, ParamName: { } name, ParamValue: { } value })
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        return null;
    }

    private static void WriteNumberOption(Utf8JsonWriter writer, JsonElement root, string name, double? configured)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
        else if (configured is { } fallback)
        {
            writer.WriteNumber(name, fallback);
        }
    }

    /// <summary>User and assistant turns; consecutive tool results become one user turn of tool_result blocks.</summary>
    private static string? WriteMessages(Utf8JsonWriter writer, JsonElement messages)
    {
        writer.WriteStartArray("messages");
        var inToolResults = false;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var at = $"messages[{At(index++)}]";
            var role = StringOf(message, "role");
            if (role is "system" or "developer")
            {
                continue;
            }

            if (role == "tool")
            {
                if (!inToolResults)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", "user");
                    writer.WriteStartArray("content");
                    inToolResults = true;
                }

                writer.WriteStartObject();
                writer.WriteString("type", "tool_result");
                writer.WriteString("tool_use_id", StringOf(message, "tool_call_id") ?? string.Empty);
                writer.WriteString("content", message.TryGetProperty("content", out var result) ? TextOf(result) ?? string.Empty : string.Empty);
                writer.WriteEndObject();
                continue;
            }

            if (inToolResults)
            {
                writer.WriteEndArray();
                writer.WriteEndObject();
                inToolResults = false;
            }

            var problem = role switch
            {
                "user" => WriteUserMessage(writer, message, at),
                "assistant" => WriteAssistantMessage(writer, message, at),
                _ => $"{at}.role '{role}' is not supported for provider anthropic",
            };
            if (problem is not null)
            {
                return problem;
            }
        }

        if (inToolResults)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        return null;
    }

    private static string? WriteUserMessage(Utf8JsonWriter writer, JsonElement message, string at)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            return $"{at}.content must be a string or an array of parts";
        }

        writer.WriteStartObject();
        writer.WriteString("role", "user");
        if (content.ValueKind == JsonValueKind.String)
        {
            writer.WriteString("content", content.GetString());
            writer.WriteEndObject();
            return null;
        }

        writer.WriteStartArray("content");
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partAt = $"{at}.content[{At(index++)}]";
            switch (StringOf(part, "type"))
            {
                case "text":
                    writer.WriteStartObject();
                    writer.WriteString("type", "text");
                    writer.WriteString("text", StringOf(part, "text") ?? string.Empty);
                    writer.WriteEndObject();
                    break;
                case "image_url":
                    var url = part.TryGetProperty("image_url", out var image)
                        ? image.ValueKind == JsonValueKind.String ? image.GetString() : StringOf(image, "url")
                        : null;
                    if (url is null)
                    {
                        return $"{partAt}.image_url.url must be a string";
                    }

                    WriteImage(writer, url);
                    break;
                case var type:
                    return $"{partAt}.type '{type}' is not supported for provider anthropic";
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        return null;
    }

    /// <summary>An image block: base64 from a data URL, else by URL.</summary>
    private static void WriteImage(Utf8JsonWriter writer, string url)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "image");
        writer.WriteStartObject("source");
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (url.StartsWith("data:", StringComparison.Ordinal) && comma > 0 && url.AsSpan(0, comma).EndsWith(";base64", StringComparison.Ordinal))
        {
            writer.WriteString("type", "base64");
            writer.WriteString("media_type", url.AsSpan(5, comma - 5 - ";base64".Length));
            writer.WriteString("data", url.AsSpan(comma + 1));
        }
        else
        {
            writer.WriteString("type", "url");
            writer.WriteString("url", url);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string? WriteAssistantMessage(Utf8JsonWriter writer, JsonElement message, string at)
    {
        var text = message.TryGetProperty("content", out var content) ? TextOf(content) ?? string.Empty : string.Empty;
        var hasTools = message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0;
        if (!hasTools)
        {
            // Anthropic refuses empty turns; an empty assistant message carries nothing.
            if (text.Length > 0)
            {
                writer.WriteStartObject();
                writer.WriteString("role", "assistant");
                writer.WriteString("content", text);
                writer.WriteEndObject();
            }

            return null;
        }

        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        writer.WriteStartArray("content");
        if (text.Length > 0)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("text", text);
            writer.WriteEndObject();
        }

        var index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var callAt = $"{at}.tool_calls[{At(index++)}]";
            if (!call.TryGetProperty("function", out var function) || StringOf(function, "name") is not { } name)
            {
                return $"{callAt}.function.name must be a string";
            }

            writer.WriteStartObject();
            writer.WriteString("type", "tool_use");
            writer.WriteString("id", StringOf(call, "id") ?? string.Empty);
            writer.WriteString("name", name);
            writer.WritePropertyName("input");
            var arguments = StringOf(function, "arguments");
            if (string.IsNullOrWhiteSpace(arguments))
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                try
                {
                    using var parsed = JsonDocument.Parse(arguments);
                    if (parsed.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        return $"{callAt}.function.arguments must be a JSON object";
                    }

                    parsed.RootElement.WriteTo(writer);
                }
                catch (JsonException)
                {
                    return $"{callAt}.function.arguments must be a JSON object";
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        return null;
    }

    /// <summary>OpenAI function tools as Anthropic tools, and tool_choice / parallel_tool_calls as Anthropic's tool_choice.</summary>
    private static string? WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray("tools");
            var index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var at = $"tools[{At(index++)}]";
                if (StringOf(tool, "type") != "function" || !tool.TryGetProperty("function", out var function) || StringOf(function, "name") is not { } name)
                {
                    return $"{at} must be a function tool with a name for provider anthropic";
                }

                writer.WriteStartObject();
                writer.WriteString("name", name);
                if (StringOf(function, "description") is { } description)
                {
                    writer.WriteString("description", description);
                }

                writer.WritePropertyName("input_schema");
                if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
                {
                    parameters.WriteTo(writer);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "object");
                    writer.WriteStartObject("properties");
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        var serial = root.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        var hasChoice = root.TryGetProperty("tool_choice", out var choice) && choice.ValueKind != JsonValueKind.Null;
        if (!hasChoice && !serial)
        {
            return null;
        }

        writer.WriteStartObject("tool_choice");
        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var chosen) && StringOf(chosen, "name") is { } toolName)
        {
            writer.WriteString("type", "tool");
            writer.WriteString("name", toolName);
        }
        else
        {
            writer.WriteString("type", choice.ValueKind == JsonValueKind.String ? choice.GetString() switch
            {
                "none" => "none",
                "required" => "any",
                _ => "auto",
            } : "auto");
        }

        if (serial)
        {
            writer.WriteBoolean("disable_parallel_tool_use", true);
        }

        writer.WriteEndObject();
        return null;
    }
}
