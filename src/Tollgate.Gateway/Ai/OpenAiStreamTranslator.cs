using System.Buffers;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>
/// An OpenAI-format stream (chat or completions chunks, Responses API events) passed through event by event. The one
/// change: the usage-only chunk Tollgate asked for is dropped when the client did not ask for it itself.
/// </summary>
internal sealed class OpenAiStreamTranslator(UpstreamRequest request, TokenEstimator estimator) : SseStreamTranslator
{
    private LlmUsage? _usage;
    private string? _answeredModel;

    public override LlmUsage? ProviderUsage => _usage;

    public override string? AnsweredModel => _answeredModel;

    public override LlmUsage ResolveUsage() =>
        estimator.Resolve(request.RouteType, request.ClientBody.Span, request.EffectiveModel, _usage, Generated.Text, _answeredModel);

    protected override void OnEvent(ReadOnlySpan<byte> rawEvent, IBufferWriter<byte> toClient)
    {
        var hide = false;
        if (TryGetData(rawEvent, out var data) && !data.SequenceEqual("[DONE]"u8) && !data.IsEmpty)
        {
            try
            {
                hide = request.RouteType == AiRouteType.Responses ? ReadResponsesEvent(data) : ReadChunk(data);
            }
            catch (JsonException)
            {
                // Not JSON: not ours to judge; the client gets it as it came.
            }
        }

        if (!hide)
        {
            toClient.Write(rawEvent);
        }
    }

    /// <summary>Reads a chat or completions chunk; true when it is the usage-only chunk the client did not ask for.</summary>
    private bool ReadChunk(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var choices = -1;
        var hasUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && _answeredModel is null)
                {
                    _answeredModel = reader.GetString();
                }
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                choices = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    choices++;
                    ReadChoice(ref reader);
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    _usage = UsageFields.Read(ref reader).ToOpenAiUsage(_answeredModel) ?? _usage;
                    hasUsage = true;
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

        return hasUsage && choices == 0 && !request.ClientAskedForUsage && request.RouteType != AiRouteType.Preserve;
    }

    /// <summary>Collects the generated text of one choice: delta content, reasoning and tool calls (chat), or text (completions).</summary>
    private void ReadChoice(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                ReadGenerated(ref reader);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                Generated.AppendString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>Appends every string under content, reasoning and tool-call fields of a delta, however nested.</summary>
    private void ReadGenerated(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("reasoning_content"u8)
                || reader.ValueTextEquals("reasoning"u8) || reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                Generated.AppendString(ref reader);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                ReadToolCalls(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadToolCalls(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Only the function object has an object value: its name and arguments are generated text.
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var wanted = reader.ValueTextEquals("name"u8) || reader.ValueTextEquals("arguments"u8);
                    reader.Read();
                    if (wanted)
                    {
                        Generated.AppendString(ref reader);
                    }

                    reader.Skip();
                }
            }
        }
    }

    /// <summary>Reads a Responses API event: text deltas and, from response.completed (or failed/incomplete), the usage.</summary>
    private bool ReadResponsesEvent(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var generatedDelta = false;
        var deltaAt = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                generatedDelta = reader.TokenType == JsonTokenType.String
                    && (reader.ValueTextEquals("response.output_text.delta"u8)
                        || reader.ValueTextEquals("response.refusal.delta"u8)
                        || reader.ValueTextEquals("response.function_call_arguments.delta"u8)
                        || reader.ValueTextEquals("response.reasoning_text.delta"u8)
                        || reader.ValueTextEquals("response.reasoning_summary_text.delta"u8));
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                deltaAt = reader.TokenType == JsonTokenType.String ? (int)reader.TokenStartIndex : -1;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("response"u8))
            {
                reader.Read();
                ReadResponseObject(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (generatedDelta && deltaAt >= 0)
        {
            Generated.AppendStringAt(data, deltaAt);
        }

        return false;
    }

    private void ReadResponseObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && _answeredModel is null)
                {
                    _answeredModel = reader.GetString();
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    _usage = UsageFields.Read(ref reader).ToOpenAiUsage(_answeredModel) ?? _usage;
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
}
