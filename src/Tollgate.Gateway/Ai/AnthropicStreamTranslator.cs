using System.Buffers;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>
/// Anthropic's Messages stream (message_start, content_block_*, message_delta, message_stop) as OpenAI
/// <c>chat.completion.chunk</c> events: a first chunk with the role, one chunk per text or tool-argument delta, a
/// chunk with the finish reason, the usage chunk when the client asked for it, then <c>data: [DONE]</c>. With
/// <c>passthrough</c> (route type preserve) events go out unchanged and only usage is read.
/// </summary>
internal sealed class AnthropicStreamTranslator(UpstreamRequest request, TokenEstimator estimator, long created, bool passthrough)
    : SseStreamTranslator
{
    private Utf8JsonWriter? _json;
    private string? _id;
    private string? _model;
    private UsageFields _usage;
    private bool _sawInput;
    private bool _usageComplete;
    private int _toolCount;
    private int _currentTool = -1;
    private bool _done;

    private enum EventKind
    {
        Other,
        MessageStart,
        ContentBlockStart,
        ContentBlockDelta,
        ContentBlockStop,
        MessageDelta,
        MessageStop,
        Error,
    }

    private enum DeltaKind
    {
        None,
        Text,
        InputJson,
        Thinking,
    }

    public override LlmUsage? ProviderUsage =>
        _sawInput || _usageComplete
            ? _usage.ToAnthropicUsage(_model, _usageComplete ? UsageSource.Provider : UsageSource.Estimated)
            : null;

    public override string? AnsweredModel => _model;

    public override LlmUsage ResolveUsage() =>
        estimator.Resolve(request.RouteType, request.ClientBody.Span, request.EffectiveModel, ProviderUsage, Generated.Text, _model);

    protected override void OnEvent(ReadOnlySpan<byte> rawEvent, IBufferWriter<byte> toClient)
    {
        if (!TryGetData(rawEvent, out var data) || data.IsEmpty)
        {
            if (passthrough)
            {
                toClient.Write(rawEvent);
            }

            return;
        }

        Event parsed;
        try
        {
            parsed = Parse(data);
        }
        catch (JsonException)
        {
            if (passthrough)
            {
                toClient.Write(rawEvent);
            }

            return;
        }

        Apply(data, parsed, passthrough ? null : toClient);
        if (passthrough)
        {
            toClient.Write(rawEvent);
        }
    }

    /// <summary>Reads the parts of an event that matter, in one pass, whatever the order of its fields.</summary>
    private static Event Parse(ReadOnlySpan<byte> data)
    {
        var parsed = new Event { TextAt = -1, BlockTextAt = -1 };
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return parsed;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                parsed.Kind = reader.ValueTextEquals("message_start"u8) ? EventKind.MessageStart
                    : reader.ValueTextEquals("content_block_start"u8) ? EventKind.ContentBlockStart
                    : reader.ValueTextEquals("content_block_delta"u8) ? EventKind.ContentBlockDelta
                    : reader.ValueTextEquals("content_block_stop"u8) ? EventKind.ContentBlockStop
                    : reader.ValueTextEquals("message_delta"u8) ? EventKind.MessageDelta
                    : reader.ValueTextEquals("message_stop"u8) ? EventKind.MessageStop
                    : reader.ValueTextEquals("error"u8) ? EventKind.Error
                    : EventKind.Other;
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                ReadObject(ref reader, ref parsed, Section.Message);
            }
            else if (reader.ValueTextEquals("content_block"u8))
            {
                reader.Read();
                ReadObject(ref reader, ref parsed, Section.ContentBlock);
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                ReadObject(ref reader, ref parsed, Section.Delta);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                ReadObject(ref reader, ref parsed, Section.Error);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    parsed.Usage = UsageFields.Read(ref reader);
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

        return parsed;
    }

    private static void ReadObject(ref Utf8JsonReader reader, ref Event parsed, Section section)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (section == Section.Message && reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    parsed.Usage = UsageFields.Read(ref reader);
                }
                else
                {
                    reader.Skip();
                }

                continue;
            }

            var field = section switch
            {
                Section.Message when reader.ValueTextEquals("id"u8) => Field.Id,
                Section.Message when reader.ValueTextEquals("model"u8) => Field.Model,
                Section.ContentBlock when reader.ValueTextEquals("type"u8) => Field.BlockType,
                Section.ContentBlock when reader.ValueTextEquals("id"u8) => Field.Id,
                Section.ContentBlock when reader.ValueTextEquals("name"u8) => Field.Name,
                Section.ContentBlock when reader.ValueTextEquals("text"u8) => Field.BlockText,
                Section.Delta when reader.ValueTextEquals("text"u8) => Field.Text,
                Section.Delta when reader.ValueTextEquals("partial_json"u8) => Field.PartialJson,
                Section.Delta when reader.ValueTextEquals("thinking"u8) => Field.Thinking,
                Section.Delta when reader.ValueTextEquals("stop_reason"u8) => Field.StopReason,
                Section.Error when reader.ValueTextEquals("type"u8) => Field.ErrorType,
                Section.Error when reader.ValueTextEquals("message"u8) => Field.ErrorMessage,
                _ => Field.None,
            };
            reader.Read();
            if (field == Field.None || reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                continue;
            }

            switch (field)
            {
                case Field.Id:
                    parsed.Id = reader.GetString();
                    break;
                case Field.Model:
                    parsed.Model = reader.GetString();
                    break;
                case Field.BlockType:
                    parsed.BlockIsToolUse = reader.ValueTextEquals("tool_use"u8);
                    break;
                case Field.Name:
                    parsed.Name = reader.GetString();
                    break;
                case Field.BlockText:
                    parsed.BlockTextAt = (int)reader.TokenStartIndex;
                    parsed.BlockTextLength = reader.ValueSpan.Length + 2;
                    break;
                case Field.StopReason:
                    parsed.StopReason = reader.GetString();
                    break;
                case Field.ErrorType:
                    parsed.ErrorType = reader.GetString();
                    break;
                case Field.ErrorMessage:
                    parsed.ErrorMessage = reader.GetString();
                    break;
                default:
                    parsed.Delta = field switch
                    {
                        Field.Text => DeltaKind.Text,
                        Field.PartialJson => DeltaKind.InputJson,
                        _ => DeltaKind.Thinking,
                    };
                    parsed.TextAt = (int)reader.TokenStartIndex;
                    parsed.TextLength = reader.ValueSpan.Length + 2;
                    break;
            }
        }
    }

    /// <summary>Updates state from an event and, unless passing through, writes the OpenAI chunks it becomes.</summary>
    private void Apply(ReadOnlySpan<byte> data, in Event parsed, IBufferWriter<byte>? toClient)
    {
        switch (parsed.Kind)
        {
            case EventKind.MessageStart:
                _id = parsed.Id ?? _id;
                _model = parsed.Model ?? _model;
                if (parsed.Usage is { } started)
                {
                    _usage.MergeFrom(started);
                    _sawInput = true;
                }

                if (toClient is not null)
                {
                    var json = BeginChunk(toClient);
                    json.WriteString("role"u8, "assistant"u8);
                    json.WriteString("content"u8, ""u8);
                    EndChunk(toClient, null);
                }

                break;
            case EventKind.ContentBlockStart:
                _currentTool = -1;
                if (parsed.BlockIsToolUse)
                {
                    _currentTool = _toolCount++;
                    Generated.Append(parsed.Name);
                    if (toClient is not null)
                    {
                        var json = BeginToolCall(toClient);
                        json.WriteString("id"u8, parsed.Id);
                        json.WriteString("type"u8, "function"u8);
                        json.WriteStartObject("function"u8);
                        json.WriteString("name"u8, parsed.Name);
                        json.WriteString("arguments"u8, ""u8);
                        json.WriteEndObject();
                        EndToolCall(toClient);
                    }
                }
                else if (parsed.BlockTextAt >= 0 && parsed.BlockTextLength > 2)
                {
                    Generated.AppendStringAt(data, parsed.BlockTextAt);
                    WriteContent(toClient, data.Slice(parsed.BlockTextAt, parsed.BlockTextLength));
                }

                break;
            case EventKind.ContentBlockDelta when parsed.TextAt >= 0:
                Generated.AppendStringAt(data, parsed.TextAt);
                var raw = data.Slice(parsed.TextAt, parsed.TextLength);
                if (parsed.Delta == DeltaKind.Text)
                {
                    WriteContent(toClient, raw);
                }
                else if (parsed.Delta == DeltaKind.InputJson && _currentTool >= 0 && toClient is not null)
                {
                    var json = BeginToolCall(toClient);
                    json.WriteStartObject("function"u8);
                    json.WritePropertyName("arguments"u8);
                    json.WriteRawValue(raw, skipInputValidation: true);
                    json.WriteEndObject();
                    EndToolCall(toClient);
                }

                break;
            case EventKind.ContentBlockStop:
                _currentTool = -1;
                break;
            case EventKind.MessageDelta:
                if (parsed.Usage is { } final)
                {
                    _usage.MergeFrom(final);
                    _usageComplete = true;
                }

                if (toClient is not null)
                {
                    BeginChunk(toClient);
                    EndChunk(toClient, AnthropicProvider.FinishReason(parsed.StopReason));
                }

                break;
            case EventKind.MessageStop:
                if (toClient is not null && !_done)
                {
                    if (request.ClientAskedForUsage)
                    {
                        WriteUsageChunk(toClient);
                    }

                    toClient.Write("data: [DONE]\n\n"u8);
                }

                _done = true;
                break;
            case EventKind.Error when toClient is not null:
                toClient.Write("data: "u8);
                var writer = Writer(toClient);
                OpenAiErrors.Write(writer, parsed.ErrorMessage ?? "upstream error", parsed.ErrorType ?? "api_error");
                writer.Flush();
                toClient.Write("\n\n"u8);
                break;
        }
    }

    private void WriteContent(IBufferWriter<byte>? toClient, ReadOnlySpan<byte> rawQuotedText)
    {
        if (toClient is null)
        {
            return;
        }

        var json = BeginChunk(toClient);
        json.WritePropertyName("content"u8);
        json.WriteRawValue(rawQuotedText, skipInputValidation: true);
        EndChunk(toClient, null);
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> toClient)
    {
        if (_json is null)
        {
            _json = new Utf8JsonWriter(toClient, OpenAiErrors.WriterOptions);
        }
        else
        {
            _json.Reset(toClient);
        }

        return _json;
    }

    /// <summary>Writes <c>data: {"id",...,"choices":[{"index":0,"delta":{</c>, leaving the delta open.</summary>
    private Utf8JsonWriter BeginChunk(IBufferWriter<byte> toClient)
    {
        toClient.Write("data: "u8);
        var json = Writer(toClient);
        WriteChunkHeader(json);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("delta"u8);
        return json;
    }

    private void EndChunk(IBufferWriter<byte> toClient, string? finishReason)
    {
        var json = _json!;
        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        if (finishReason is null)
        {
            json.WriteNull("finish_reason"u8);
        }
        else
        {
            json.WriteString("finish_reason"u8, finishReason);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        toClient.Write("\n\n"u8);
    }

    /// <summary>A chunk whose delta holds one tool call at the current index, left open for its fields.</summary>
    private Utf8JsonWriter BeginToolCall(IBufferWriter<byte> toClient)
    {
        var json = BeginChunk(toClient);
        json.WriteStartArray("tool_calls"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, _currentTool);
        return json;
    }

    private void EndToolCall(IBufferWriter<byte> toClient)
    {
        _json!.WriteEndObject();
        _json.WriteEndArray();
        EndChunk(toClient, null);
    }

    private void WriteUsageChunk(IBufferWriter<byte> toClient)
    {
        toClient.Write("data: "u8);
        var json = Writer(toClient);
        WriteChunkHeader(json);
        json.WriteStartArray("choices"u8);
        json.WriteEndArray();
        AnthropicProvider.WriteUsage(json, ResolveUsage());
        json.WriteEndObject();
        json.Flush();
        toClient.Write("\n\n"u8);
    }

    private void WriteChunkHeader(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, _id ?? string.Empty);
        json.WriteString("object"u8, "chat.completion.chunk"u8);
        json.WriteNumber("created"u8, created);
        json.WriteString("model"u8, _model ?? request.EffectiveModel ?? string.Empty);
    }

    private enum Section
    {
        Message,
        ContentBlock,
        Delta,
        Error,
    }

    private enum Field
    {
        None,
        Id,
        Model,
        BlockType,
        Name,
        BlockText,
        Text,
        PartialJson,
        Thinking,
        StopReason,
        ErrorType,
        ErrorMessage,
    }

    /// <summary>One Anthropic event's fields; text values are kept as offsets of their raw JSON strings in the event data.</summary>
    private struct Event
    {
        public EventKind Kind;
        public string? Id;
        public string? Model;
        public string? Name;
        public bool BlockIsToolUse;
        public int BlockTextAt;
        public int BlockTextLength;
        public DeltaKind Delta;
        public int TextAt;
        public int TextLength;
        public string? StopReason;
        public string? ErrorType;
        public string? ErrorMessage;
        public UsageFields? Usage;
    }
}
