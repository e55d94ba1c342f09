using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tollgate.Server.Tests.Infrastructure.FakeLlm;

/// <summary>One request as the fake upstream received it; <see cref="Headers"/> has case-insensitive names (repeated values joined by ", ").</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The value of a header, or null when it was not sent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body parsed as JSON (throws when it is not JSON).</summary>
    public JsonNode? Json() => JsonNode.Parse(Body);
}

/// <summary>
/// A real OpenAI- and Anthropic-compatible LLM server (Kestrel on 127.0.0.1, port 0) for the gateway to proxy to:
/// chat completions, legacy completions, embeddings, the Responses API, Azure deployments and Anthropic messages,
/// streaming and not, with deterministic token counts (<see cref="PromptTokens"/>, <see cref="CompletionTokens"/>).
/// It records every request it receives, and answers as <see cref="Behaviour"/> says.
/// </summary>
/// <remarks>
/// Cached tokens: a request header <c>x-fake-cached-tokens: N</c> makes the answer report N cached prompt tokens
/// (clamped to 0..prompt tokens): OpenAI's <c>prompt_tokens_details.cached_tokens</c> (part of <c>prompt_tokens</c>),
/// and Anthropic's <c>cache_read_input_tokens</c> (which, as Anthropic reports it, is not part of <c>input_tokens</c>:
/// there <c>input_tokens</c> = prompt tokens − N). Without the header it is 0.
/// </remarks>
public sealed class FakeLlmUpstream : IAsyncDisposable
{
    /// <summary>Prompt tokens each message costs beyond its words (see <see cref="PromptTokens"/>).</summary>
    public const int TokensPerMessage = 3;

    /// <summary>The request header that sets the cached prompt tokens an answer reports.</summary>
    public const string CachedTokensHeader = "x-fake-cached-tokens";

    private static readonly Dictionary<string, string> Snapshots = new(StringComparer.Ordinal)
    {
        ["gpt-4"] = "gpt-4-0613",
        ["gpt-4-turbo"] = "gpt-4-turbo-2024-04-09",
        ["gpt-4o"] = "gpt-4o-2024-08-06",
        ["gpt-4o-mini"] = "gpt-4o-mini-2024-07-18",
        ["gpt-4.1"] = "gpt-4.1-2025-04-14",
        ["gpt-4.1-mini"] = "gpt-4.1-mini-2025-04-14",
        ["gpt-3.5-turbo"] = "gpt-3.5-turbo-0125",
        ["gpt-3.5-turbo-instruct"] = "gpt-3.5-turbo-instruct-0914",
    };

    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource<RecordedRequest> Arrived)> _waiters = [];
    private readonly CancellationTokenSource _stopping = new();
    private UpstreamBehaviour _behaviour = new();
    private int _disposed;

    private FakeLlmUpstream(WebApplication app)
    {
        App = app;
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>How the next requests are answered; set it per test (default: answer normally, with usage).</summary>
    public UpstreamBehaviour Behaviour
    {
        get => Volatile.Read(ref _behaviour);
        set => Volatile.Write(ref _behaviour, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>A snapshot of every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    private WebApplication App { get; }

    /// <summary>Starts a fake upstream on a free loopback port.</summary>
    public static async Task<FakeLlmUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });

        var app = builder.Build();
        var upstream = new FakeLlmUpstream(app);
        app.Use(upstream.RecordAsync);
        OpenAiHandlers.Map(app);
        AnthropicHandlers.Map(app);

        await app.StartAsync(CancellationToken.None);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return upstream;
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> requests have arrived and returns the <paramref name="count"/>-th
    /// (1-based); throws <see cref="TimeoutException"/> when they do not arrive in time.
    /// </summary>
    public async Task<RecordedRequest> WaitForRequestAsync(int count, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var arrived = new TaskCompletionSource<RecordedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_requests.Count >= count)
            {
                return _requests[count - 1];
            }

            _waiters.Add((count, arrived));
        }

        try
        {
            return await arrived.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            int received;
            lock (_gate)
            {
                _waiters.Remove((count, arrived));
                received = _requests.Count;
            }

            throw new TimeoutException($"the fake upstream received {received} request(s) in {timeout}, not {count}");
        }
    }

    /// <summary>
    /// Prompt tokens of a request, the same rule for every endpoint: each message costs <see cref="TokensPerMessage"/>
    /// plus the words of its <c>content</c>; plain inputs cost their words only.
    /// <list type="bullet">
    /// <item>Messages: every item of <c>messages</c> (OpenAI chat, Anthropic), Anthropic's <c>system</c>, the Responses
    /// API's <c>instructions</c>, and every object item of <c>input</c> (Responses API input messages).</item>
    /// <item>Plain inputs: <c>prompt</c> (legacy completions) and <c>input</c> (embeddings, Responses API) when a string or an
    /// array of strings; a token array counts one per token (a number counts 1, an array of numbers its length).</item>
    /// <item>Words: whitespace-separated words of a string. A content array of parts (<c>[{"type":"text","text":...}]</c>,
    /// <c>input_text</c>, …) counts the words of each part's <c>text</c> (and, recursively, of a part's <c>content</c>,
    /// as in Anthropic's <c>tool_result</c>); images, tool calls and anything else count 0.</item>
    /// </list>
    /// For example <c>{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi"}]}</c>
    /// is (3 + 2) + (3 + 2) = 10.
    /// </summary>
    public static int PromptTokens(JsonNode request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request is not JsonObject body)
        {
            return 0;
        }

        var tokens = 0;
        if (body["system"] is { } system)
        {
            tokens += TokensPerMessage + Words(system);
        }

        if (body["instructions"] is { } instructions)
        {
            tokens += TokensPerMessage + Words(instructions);
        }

        if (body["messages"] is JsonArray messages)
        {
            foreach (var message in messages)
            {
                tokens += TokensPerMessage + Words(message?["content"]);
            }
        }

        return tokens + Inputs(body["prompt"]) + Inputs(body["input"]);
    }

    /// <summary>Completion tokens of a reply: its whitespace-separated words (<c>"Hello! How can I help you today?"</c> is 7), however it is streamed.</summary>
    public static int CompletionTokens(string replyText)
    {
        ArgumentNullException.ThrowIfNull(replyText);
        return CountWords(replyText);
    }

    /// <summary>
    /// The dated snapshot an upstream names for a requested model: known OpenAI aliases map to their real snapshots
    /// (<c>gpt-4</c> → <c>gpt-4-0613</c>, <c>gpt-4o</c> → <c>gpt-4o-2024-08-06</c>, <c>gpt-4o-mini</c> → <c>gpt-4o-mini-2024-07-18</c>, …);
    /// a name already ending in a number of two digits or more (<c>-0613</c>, <c>-20241022</c>, <c>-2024-08-06</c>) stays;
    /// <c>claude-*</c> gets <c>-20250514</c> (replacing <c>-latest</c>); anything else gets <c>-2024-08-06</c>.
    /// </summary>
    public static string SnapshotOf(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Snapshots.TryGetValue(model, out var snapshot))
        {
            return snapshot;
        }

        var last = model[(model.LastIndexOf('-') + 1)..];
        if (model.Contains('-', StringComparison.Ordinal) && last.Length >= 2 && last.All(char.IsAsciiDigit))
        {
            return model;
        }

        if (model.StartsWith("claude", StringComparison.Ordinal))
        {
            return (model.EndsWith("-latest", StringComparison.Ordinal) ? model[..^"-latest".Length] : model) + "-20250514";
        }

        return model + "-2024-08-06";
    }

    /// <summary>The content chunks a stream sends for a reply (see <see cref="UpstreamBehaviour.StreamChunks"/>); they concatenate to the reply.</summary>
    public static IReadOnlyList<string> Chunks(string replyText, int streamChunks)
    {
        ArgumentNullException.ThrowIfNull(replyText);
        if (replyText.Length == 0)
        {
            return [];
        }

        var chunks = new List<string>();
        if (streamChunks > 0)
        {
            var count = Math.Min(streamChunks, replyText.Length);
            var start = 0;
            for (var i = 0; i < count; i++)
            {
                var length = (replyText.Length / count) + (i < replyText.Length % count ? 1 : 0);
                chunks.Add(replyText.Substring(start, length));
                start += length;
            }

            return chunks;
        }

        var begin = 0;
        var position = 0;
        while (position < replyText.Length)
        {
            while (position < replyText.Length && char.IsWhiteSpace(replyText[position]))
            {
                position++;
            }

            while (position < replyText.Length && !char.IsWhiteSpace(replyText[position]))
            {
                position++;
            }

            if (position == replyText.Length && chunks.Count > 0 && string.IsNullOrWhiteSpace(replyText[begin..]))
            {
                chunks[^1] += replyText[begin..];
            }
            else
            {
                chunks.Add(replyText[begin..position]);
            }

            begin = position;
        }

        return chunks;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await App.StopAsync(timeout.Token);
        }

        await App.DisposeAsync();
        lock (_gate)
        {
            foreach (var (_, arrived) in _waiters)
            {
                arrived.TrySetCanceled();
            }

            _waiters.Clear();
        }

        _stopping.Dispose();
    }

    internal static int CountWords(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private static int Words(JsonNode? content) => content switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => CountWords(value.GetValue<string>()),
        JsonArray parts => parts.Sum(part => part is JsonObject block ? Words(block["text"]) + Words(block["content"]) : Words(part)),
        _ => 0,
    };

    private static int Inputs(JsonNode? input) => input switch
    {
        JsonArray items => items.Sum(item => item switch
        {
            JsonObject message => TokensPerMessage + Words(message["content"]),
            JsonArray tokens => tokens.Count,
            JsonValue number when number.GetValueKind() == JsonValueKind.Number => 1,
            _ => Words(item),
        }),
        _ => Words(input),
    };

    /// <summary>Reads and records the request, then lets the endpoint answer with the behaviour current at arrival.</summary>
    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        string body;
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            body = await reader.ReadToEndAsync(cancellation.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            context.Abort();
            return;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in context.Request.Headers)
        {
            headers[header.Key] = header.Value.ToString();
        }

        context.Items[typeof(UpstreamCall)] = new UpstreamCall(context, Behaviour, body, cancellation.Token);
        Record(new RecordedRequest(context.Request.Method, context.Request.GetEncodedPathAndQuery(), headers.AsReadOnly(), body));
        try
        {
            await next(context);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException && cancellation.IsCancellationRequested)
        {
            // The client went away, or the upstream is stopping: drop the connection as a real server would.
            context.Abort();
        }
    }

    private void Record(RecordedRequest request)
    {
        lock (_gate)
        {
            _requests.Add(request);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= _requests.Count)
                {
                    _waiters[i].Arrived.TrySetResult(_requests[_waiters[i].Count - 1]);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
