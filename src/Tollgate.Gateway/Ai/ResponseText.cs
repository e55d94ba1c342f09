using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>The text an OpenAI-format answer generated, for estimating its tokens when the provider reported none.</summary>
internal static class ResponseText
{
    /// <summary>
    /// Chat (<c>choices[].message</c> content, reasoning, refusal and tool calls), completions (<c>choices[].text</c>) and
    /// the Responses API (<c>output[]</c> text, function call arguments, reasoning summaries). Empty when unreadable.
    /// </summary>
    public static string OpenAi(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        JsonDocument? document;
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out document))
            {
                return string.Empty;
            }
        }
        catch (JsonException)
        {
            return string.Empty;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return string.Empty;
            }

            var text = new StringBuilder();
            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    AppendString(text, choice, "text");
                    if (choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
                    {
                        AppendContent(text, message, "content");
                        AppendString(text, message, "reasoning_content");
                        AppendString(text, message, "reasoning");
                        AppendString(text, message, "refusal");
                        AppendToolCalls(text, message);
                    }
                }
            }

            if (root.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in output.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    AppendContent(text, item, "content");
                    AppendContent(text, item, "summary");
                    AppendString(text, item, "name");
                    AppendString(text, item, "arguments");
                }
            }

            return text.ToString();
        }
    }

    private static void AppendString(StringBuilder text, JsonElement element, string name)
    {
        if (element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            text.Append(value.GetString());
        }
    }

    /// <summary>A string, or an array of parts with text (output_text, refusal, summary_text).</summary>
    private static void AppendContent(StringBuilder text, JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var content))
        {
            return;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            text.Append(content.GetString());
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object)
            {
                AppendString(text, part, "text");
                AppendString(text, part, "refusal");
            }
        }
    }

    private static void AppendToolCalls(StringBuilder text, JsonElement message)
    {
        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var call in calls.EnumerateArray())
        {
            if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
            {
                AppendString(text, function, "name");
                AppendString(text, function, "arguments");
            }
        }
    }
}
