using System.Buffers;

namespace Tollgate.Gateway.Ai;

/// <summary>
/// Turns a provider's server-sent-event stream into the client's, event by event, as bytes arrive in any split, and
/// keeps what metering needs (usage, answered model, generated text).
/// </summary>
internal interface IStreamTranslator : IDisposable
{
    /// <summary>The client's content type: <c>text/event-stream</c>.</summary>
    string ContentType { get; }

    /// <summary>Feeds upstream bytes; every event completed by them is written to <paramref name="toClient"/> at once.</summary>
    void Process(ReadOnlySpan<byte> upstreamChunk, IBufferWriter<byte> toClient);

    /// <summary>The upstream ended: handles a last event that had no blank line after it.</summary>
    void Complete(IBufferWriter<byte> toClient);

    /// <summary>
    /// The usage the provider reported: <see cref="UsageSource.Provider"/> once its final counts arrived,
    /// <see cref="UsageSource.Estimated"/> while only part is known (Anthropic's input count), null when none.
    /// </summary>
    LlmUsage? ProviderUsage { get; }

    /// <summary>The model the provider says answered.</summary>
    string? AnsweredModel { get; }

    /// <summary>Characters of text (content, tool arguments, reasoning) generated so far.</summary>
    int GeneratedCharacters { get; }

    /// <summary>The usage to meter now: the provider's, or estimated from the request and what streamed so far.</summary>
    LlmUsage ResolveUsage();
}

/// <summary>Splits a byte stream into SSE events (blank-line terminated, LF, CRLF or CR line ends) with no per-event copy when a chunk holds whole events.</summary>
internal abstract class SseStreamTranslator : IStreamTranslator
{
    private byte[] _pending = [];
    private int _pendingLength;
    private byte[] _scratch = [];
    private bool _atLineStart = true;
    private bool _afterCarriageReturn;
    private bool _completed;

    public string ContentType => "text/event-stream";

    public abstract LlmUsage? ProviderUsage { get; }

    public abstract string? AnsweredModel { get; }

    public int GeneratedCharacters => Generated.Length;

    protected TextAccumulator Generated { get; } = new();

    public abstract LlmUsage ResolveUsage();

    public void Process(ReadOnlySpan<byte> upstreamChunk, IBufferWriter<byte> toClient)
    {
        ArgumentNullException.ThrowIfNull(toClient);
        if (upstreamChunk.IsEmpty || _completed)
        {
            return;
        }

        if (_pendingLength == 0)
        {
            var used = Frame(upstreamChunk, 0, toClient);
            AppendPending(upstreamChunk[used..]);
            return;
        }

        var scanned = _pendingLength;
        AppendPending(upstreamChunk);
        var consumed = Frame(_pending.AsSpan(0, _pendingLength), scanned, toClient);
        var rest = _pendingLength - consumed;
        _pending.AsSpan(consumed, rest).CopyTo(_pending);
        _pendingLength = rest;
    }

    public void Complete(IBufferWriter<byte> toClient)
    {
        ArgumentNullException.ThrowIfNull(toClient);
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (_pendingLength > 0)
        {
            OnEvent(_pending.AsSpan(0, _pendingLength), toClient);
            _pendingLength = 0;
        }

        OnCompleted(toClient);
    }

    public void Dispose()
    {
        Generated.Dispose();
        Return(ref _pending);
        Return(ref _scratch);
        _pendingLength = 0;
    }

    /// <summary>Handles one complete event, given with its line ends.</summary>
    protected abstract void OnEvent(ReadOnlySpan<byte> rawEvent, IBufferWriter<byte> toClient);

    protected virtual void OnCompleted(IBufferWriter<byte> toClient)
    {
    }

    /// <summary>The event's data (its <c>data:</c> lines joined by LF); false when it has none.</summary>
    protected bool TryGetData(ReadOnlySpan<byte> rawEvent, out ReadOnlySpan<byte> data)
    {
        data = default;
        var lines = 0;
        var joined = 0;
        var rest = rawEvent;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (!line.StartsWith("data:"u8))
            {
                continue;
            }

            var value = line[5..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }

            lines++;
            if (lines == 1)
            {
                data = value;
                continue;
            }

            // Several data lines: rare, so join them in a scratch buffer.
            if (lines == 2)
            {
                EnsureScratch(data.Length + 1 + value.Length);
                data.CopyTo(_scratch);
                joined = data.Length;
            }
            else
            {
                EnsureScratch(joined + 1 + value.Length);
            }

            _scratch[joined++] = (byte)'\n';
            value.CopyTo(_scratch.AsSpan(joined));
            joined += value.Length;
        }

        if (lines > 1)
        {
            data = _scratch.AsSpan(0, joined);
        }

        return lines > 0;
    }

    private static void Return(ref byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
        }
    }

    /// <summary>Emits the complete events in <paramref name="bytes"/>, scanning from <paramref name="scanFrom"/>; returns where the unfinished event begins.</summary>
    private int Frame(ReadOnlySpan<byte> bytes, int scanFrom, IBufferWriter<byte> toClient)
    {
        var eventStart = 0;
        var i = scanFrom;
        while (i < bytes.Length)
        {
            if (_afterCarriageReturn)
            {
                _afterCarriageReturn = false;
                if (bytes[i] == (byte)'\n')
                {
                    i++;
                    continue;
                }
            }

            var offset = bytes[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (offset < 0)
            {
                _atLineStart = false;
                break;
            }

            if (offset > 0)
            {
                _atLineStart = false;
            }

            var lineEnd = i + offset;
            _afterCarriageReturn = bytes[lineEnd] == (byte)'\r';
            i = lineEnd + 1;
            if (!_atLineStart)
            {
                _atLineStart = true;
                continue;
            }

            // A blank line: the event is complete.
            OnEvent(bytes[eventStart..i], toClient);
            eventStart = i;
        }

        return eventStart;
    }

    private void AppendPending(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_pendingLength + bytes.Length > _pending.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_pendingLength + bytes.Length, Math.Max(4096, _pending.Length * 2)));
            _pending.AsSpan(0, _pendingLength).CopyTo(grown);
            Return(ref _pending);
            _pending = grown;
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    private void EnsureScratch(int size)
    {
        if (size <= _scratch.Length)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1024));
        _scratch.AsSpan().CopyTo(grown);
        Return(ref _scratch);
        _scratch = grown;
    }
}
