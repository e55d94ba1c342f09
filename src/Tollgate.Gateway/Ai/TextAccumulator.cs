using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>The text a response generated so far, in a pooled buffer, kept for token estimation.</summary>
internal sealed class TextAccumulator : IDisposable
{
    private char[] _buffer = [];

    public int Length { get; private set; }

    public ReadOnlySpan<char> Text => _buffer.AsSpan(0, Length);

    public void Append(ReadOnlySpan<char> text)
    {
        Ensure(text.Length);
        text.CopyTo(_buffer.AsSpan(Length));
        Length += text.Length;
    }

    /// <summary>Appends the unescaped value of the string token the reader is on.</summary>
    public void AppendString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return;
        }

        // Unescaped UTF-16 is never longer than the UTF-8 bytes it came from.
        var max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        Ensure(max);
        Length += reader.CopyString(_buffer.AsSpan(Length));
    }

    /// <summary>Appends the string value found at <paramref name="tokenStart"/> (its opening quote) in <paramref name="json"/>.</summary>
    public void AppendStringAt(ReadOnlySpan<byte> json, int tokenStart)
    {
        var reader = new Utf8JsonReader(json[tokenStart..]);
        if (reader.Read())
        {
            AppendString(ref reader);
        }
    }

    public void AppendUtf8(ReadOnlySpan<byte> utf8)
    {
        Ensure(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        Length += Encoding.UTF8.GetChars(utf8, _buffer.AsSpan(Length));
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = [];
            Length = 0;
        }
    }

    private void Ensure(int more)
    {
        if (Length + more <= _buffer.Length)
        {
            return;
        }

        var grown = ArrayPool<char>.Shared.Rent(Math.Max(Length + more, Math.Max(256, _buffer.Length * 2)));
        _buffer.AsSpan(0, Length).CopyTo(grown);
        if (_buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_buffer);
        }

        _buffer = grown;
    }
}
