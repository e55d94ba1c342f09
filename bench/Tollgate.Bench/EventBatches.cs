using System.Globalization;
using System.Text.Unicode;

namespace Tollgate.Bench;

/// <summary>
/// Writes CloudEvents batches as an LLM gateway would send them: one <c>prompt</c> event per call with the
/// tokens, model and token type, for ~1,000 customers. Ids are unique, so every event is new to the store's
/// (source, id) deduplication: by default run tag, connection and counter (in order per connection, as a gateway's
/// time-ordered ids would be); with <see cref="RandomIds"/> random UUIDs, as clients calling <c>randomUUID()</c>
/// send them. Each writer owns one buffer; no allocation per batch.
/// </summary>
internal sealed class EventBatches
{
    public const string EventType = "prompt";
    public const string MeterSlug = "tokens_total";

    /// <summary>The meter every benchmark creates: SUM of tokens grouped by model and type.</summary>
    public const string MeterJson = """
        {"slug":"tokens_total","name":"Tokens","description":"LLM tokens by model and type","aggregation":"SUM","eventType":"prompt","valueProperty":"$.tokens","groupBy":{"model":"$.model","type":"$.type"}}
        """;

    public static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "claude-haiku-4", "llama-3.1-70b"];
    public static readonly string[] TokenTypes = ["input", "output"];

    private readonly string _tag;
    private readonly int _connection;
    private readonly int _subjects;
    private readonly Random _random;
    private byte[] _buffer = new byte[64 * 1024];
    private long _counter;

    /// <summary>Random version 4 UUIDs instead of ordered ids.</summary>
    public bool RandomIds { get; init; }

    public EventBatches(string tag, int connection, int subjects, int seed)
    {
        _tag = tag;
        _connection = connection;
        _subjects = subjects;
        _random = new Random(seed);
    }

    public static string Subject(int index) => "customer-" + index.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a batch of <paramref name="count"/> events, the first being number <paramref name="first"/> of the run;
    /// <paramref name="timeOf"/> gives each event's time from its number.
    /// </summary>
    public ReadOnlyMemory<byte> Next(int count, long first, Func<long, DateTime> timeOf)
    {
        var length = 0;
        Put(ref length, "["u8);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                Put(ref length, ","u8);
            }

            var subject = _random.Next(_subjects);
            var model = Models[_random.Next(Models.Length)];
            var output = _random.Next(2) == 1;
            var tokens = output ? _random.Next(20, 1500) : _random.Next(50, 4000);
            var time = timeOf(first + i);
            var counter = _counter++;
            var uuid = RandomIds ? Guid.NewGuid() : Guid.Empty;
            while (true)
            {
                var span = _buffer.AsSpan(length);
                var ok = RandomIds
                    ? Utf8.TryWrite(span, CultureInfo.InvariantCulture, $"{{\"specversion\":\"1.0\",\"id\":\"{uuid:D}\"", out var head)
                    : Utf8.TryWrite(span, CultureInfo.InvariantCulture, $"{{\"specversion\":\"1.0\",\"id\":\"{_tag}-{_connection}-{counter}\"", out head);
                if (ok && Utf8.TryWrite(span[head..], CultureInfo.InvariantCulture,
                    $$$""","source":"gateway-bench","type":"prompt","subject":"customer-{{{subject:D4}}}","time":"{{{time:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}}","data":{"tokens":{{{tokens}}},"model":"{{{model}}}","type":"{{{(output ? "output" : "input")}}}"}}""",
                    out var written))
                {
                    length += head + written;
                    break;
                }

                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }

        Put(ref length, "]"u8);
        return _buffer.AsMemory(0, length);
    }

    private void Put(ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        bytes.CopyTo(_buffer.AsSpan(length));
        length += bytes.Length;
    }
}
