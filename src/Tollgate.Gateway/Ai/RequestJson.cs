using System.Buffers;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>What the proxy needs from the top level of a client's OpenAI-format request, found in one pass with no tree built.</summary>
internal struct RequestFacts
{
    public string? Model;
    public bool ModelIsString;
    public bool HasModel;
    public bool Stream;
    public bool IncludeUsage;
    public int StreamOptionsStart;
    public int StreamOptionsEnd;
    public JsonTokenType Messages;
    public int MessageCount;
    public JsonTokenType Prompt;
    public JsonTokenType Input;
    public bool HasMaxTokens;
    public bool HasMaxCompletionTokens;
    public bool HasMaxOutputTokens;
    public bool HasTemperature;
    public bool HasTopP;
    public bool HasTopK;

    public readonly bool HasStreamOptions => StreamOptionsEnd > StreamOptionsStart;

    /// <summary>Scans and validates the body's JSON; returns an error message for the client, or null.</summary>
    public static string? Scan(ReadOnlySpan<byte> body, out RequestFacts facts)
    {
        facts = default;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "request body must be a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    facts.HasModel = reader.TokenType != JsonTokenType.Null;
                    facts.ModelIsString = reader.TokenType == JsonTokenType.String;
                    facts.Model = facts.ModelIsString ? reader.GetString() : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.True:
                            facts.Stream = true;
                            break;
                        case JsonTokenType.False or JsonTokenType.Null:
                            facts.Stream = false;
                            break;
                        default:
                            return "'stream' must be a boolean";
                    }
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        facts.StreamOptionsStart = (int)reader.TokenStartIndex;
                        facts.IncludeUsage = ReadIncludeUsage(ref reader);
                        facts.StreamOptionsEnd = (int)reader.BytesConsumed;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return "'stream_options' must be an object";
                    }
                }
                else if (reader.ValueTextEquals("messages"u8))
                {
                    reader.Read();
                    facts.Messages = reader.TokenType;
                    facts.MessageCount = CountItems(ref reader);
                }
                else if (reader.ValueTextEquals("prompt"u8))
                {
                    reader.Read();
                    facts.Prompt = reader.TokenType;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("input"u8))
                {
                    reader.Read();
                    facts.Input = reader.TokenType;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("max_tokens"u8))
                {
                    facts.HasMaxTokens = ReadPresent(ref reader);
                }
                else if (reader.ValueTextEquals("max_completion_tokens"u8))
                {
                    facts.HasMaxCompletionTokens = ReadPresent(ref reader);
                }
                else if (reader.ValueTextEquals("max_output_tokens"u8))
                {
                    facts.HasMaxOutputTokens = ReadPresent(ref reader);
                }
                else if (reader.ValueTextEquals("temperature"u8))
                {
                    facts.HasTemperature = ReadPresent(ref reader);
                }
                else if (reader.ValueTextEquals("top_p"u8))
                {
                    facts.HasTopP = ReadPresent(ref reader);
                }
                else if (reader.ValueTextEquals("top_k"u8))
                {
                    facts.HasTopK = ReadPresent(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                return "request body is not valid JSON: more data after the object";
            }

            return null;
        }
        catch (JsonException)
        {
            return "request body is not valid JSON";
        }
    }

    private static bool ReadPresent(ref Utf8JsonReader reader)
    {
        reader.Read();
        var present = reader.TokenType != JsonTokenType.Null;
        reader.Skip();
        return present;
    }

    private static int CountItems(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            reader.Skip();
        }

        return count;
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        var include = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                include = reader.TokenType == JsonTokenType.True;
            }

            reader.Skip();
        }

        return include;
    }
}

/// <summary>One change to a JSON object's top-level property: set it, or (<see cref="OnlyIfMissing"/>) fill it when absent or null.</summary>
internal readonly record struct PropertyEdit(byte[] Name, byte[] Value, bool OnlyIfMissing = false);

/// <summary>Applies <see cref="PropertyEdit"/>s to a JSON object, copying every other property's bytes unchanged.</summary>
internal static class JsonObjectEditor
{
    /// <summary>The edited object; the input must be a valid JSON object.</summary>
    public static byte[] Apply(ReadOnlySpan<byte> json, ReadOnlySpan<PropertyEdit> edits)
    {
        Span<bool> satisfied = stackalloc bool[edits.Length];
        var kept = ArrayPool<Range>.Shared.Rent(16);
        var keptCount = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var start = (int)reader.TokenStartIndex;
                var edited = -1;
                for (var i = 0; i < edits.Length; i++)
                {
                    if (reader.ValueTextEquals(edits[i].Name))
                    {
                        edited = i;
                        break;
                    }
                }

                reader.Read();
                var isNull = reader.TokenType == JsonTokenType.Null;
                reader.Skip();
                if (edited >= 0 && edits[edited].OnlyIfMissing && !isNull)
                {
                    satisfied[edited] = true;
                    edited = -1;
                }

                if (edited >= 0)
                {
                    continue;
                }

                if (keptCount == kept.Length)
                {
                    var grown = ArrayPool<Range>.Shared.Rent(kept.Length * 2);
                    kept.AsSpan(0, keptCount).CopyTo(grown);
                    ArrayPool<Range>.Shared.Return(kept);
                    kept = grown;
                }

                kept[keptCount++] = new Range(start, (int)reader.BytesConsumed);
            }

            var size = 2;
            for (var i = 0; i < keptCount; i++)
            {
                size += kept[i].GetOffsetAndLength(json.Length).Length + 1;
            }

            for (var i = 0; i < edits.Length; i++)
            {
                size += satisfied[i] ? 0 : edits[i].Name.Length + edits[i].Value.Length + 4;
            }

            // Every piece above counted a separator; there is one fewer.
            size -= size > 2 ? 1 : 0;
            var output = new byte[size];
            var at = 0;
            output[at++] = (byte)'{';
            for (var i = 0; i < keptCount; i++)
            {
                if (i > 0)
                {
                    output[at++] = (byte)',';
                }

                var piece = json[kept[i]];
                piece.CopyTo(output.AsSpan(at));
                at += piece.Length;
            }

            var first = keptCount == 0;
            for (var i = 0; i < edits.Length; i++)
            {
                if (satisfied[i])
                {
                    continue;
                }

                if (!first)
                {
                    output[at++] = (byte)',';
                }

                first = false;
                output[at++] = (byte)'"';
                edits[i].Name.CopyTo(output.AsSpan(at));
                at += edits[i].Name.Length;
                output[at++] = (byte)'"';
                output[at++] = (byte)':';
                edits[i].Value.CopyTo(output.AsSpan(at));
                at += edits[i].Value.Length;
            }

            output[at] = (byte)'}';
            return output;
        }
        finally
        {
            ArrayPool<Range>.Shared.Return(kept);
        }
    }
}
