using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tollgate.Bench.Gateway;

/// <summary>
/// The fastest OpenAI-compatible upstream we can make: <c>POST /v1/chat/completions</c> answers at once with
/// precomputed bytes, a fixed <c>chat.completion</c> (usage 13 + 7 = 20 tokens), or for <c>"stream": true</c> a short
/// SSE stream (a role chunk, <see cref="ContentChunks"/> content chunks, a finish chunk, the usage chunk with
/// <c>choices: []</c> when <c>stream_options.include_usage</c> is true, then <c>[DONE]</c>), one flush per event.
/// </summary>
internal sealed class FakeLlmUpstream : IAsyncDisposable
{
    /// <summary>The hidden command that runs the upstream in a child process of its own.</summary>
    public const string Command = "gateway-upstream";

    public const int PromptTokens = 13;
    public const int CompletionTokens = 7;
    public const int TotalTokens = PromptTokens + CompletionTokens;
    public const int ContentChunks = 20;

    /// <summary>The marker of a content chunk in the stream, counted by the client (the role chunk carries no content).</summary>
    public static ReadOnlySpan<byte> ContentMarker => "\"delta\":{\"content\":\""u8;

    /// <summary>The last event of every stream.</summary>
    public static ReadOnlySpan<byte> DoneEvent => "data: [DONE]\n\n"u8;

    private const string Head = "\"id\":\"chatcmpl-bench0000000000000000000000\",\"created\":1700000000,\"model\":\"gpt-4-0613\",\"system_fingerprint\":\"fp_bench\"";
    private const string Usage = "\"usage\":{\"prompt_tokens\":13,\"completion_tokens\":7,\"total_tokens\":20,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}";

    /// <summary>The whole non-streaming answer (about 400 bytes).</summary>
    public static byte[] Completion { get; } = Encoding.UTF8.GetBytes(
        "{" + Head + ",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello! How can I help you today?\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}]," + Usage + "}");

    private static readonly byte[][] StreamEvents = BuildStream();
    private static readonly byte[] UsageEvent = Event("{" + Head + ",\"object\":\"chat.completion.chunk\",\"choices\":[]," + Usage + "}");

    private readonly WebApplication _app;

    private FakeLlmUpstream(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts the upstream on 127.0.0.1:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<FakeLlmUpstream> StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Urls.Select(u => new Uri(u)).First();
        return new FakeLlmUpstream(app, address.Port);
    }

    /// <summary>The hidden <c>gateway-upstream</c> command: the upstream in a child process of its own (<see cref="BenchChild"/>).</summary>
    public static async Task<int> RunAsync(int port, CancellationToken cancellationToken)
    {
        await using var upstream = await StartAsync(port, cancellationToken);
        await BenchChild.ServeAsync(upstream.Port, cancellationToken);
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var response = http.Response;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.Equals("/v1/chat/completions", StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var (stream, includeUsage) = await ReadFlagsAsync(request, http.RequestAborted);
        response.StatusCode = StatusCodes.Status200OK;
        if (!stream)
        {
            response.ContentType = "application/json";
            response.ContentLength = Completion.Length;
            await response.BodyWriter.WriteAsync(Completion, http.RequestAborted);
            return;
        }

        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        for (var i = 0; i < StreamEvents.Length - 1; i++)
        {
            await response.BodyWriter.WriteAsync(StreamEvents[i], http.RequestAborted);
        }

        if (includeUsage)
        {
            await response.BodyWriter.WriteAsync(UsageEvent, http.RequestAborted);
        }

        await response.BodyWriter.WriteAsync(StreamEvents[^1], http.RequestAborted);
    }

    /// <summary>Reads the whole body and looks for <c>"stream":true</c> and <c>"include_usage":true</c> (with or without a space).</summary>
    private static async Task<(bool Stream, bool IncludeUsage)> ReadFlagsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (!result.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            var flags = Flags(buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray());
            reader.AdvanceTo(buffer.End);
            return flags;
        }
    }

    private static (bool Stream, bool IncludeUsage) Flags(ReadOnlySpan<byte> body) => (
        body.IndexOf("\"stream\":true"u8) >= 0 || body.IndexOf("\"stream\": true"u8) >= 0,
        body.IndexOf("\"include_usage\":true"u8) >= 0 || body.IndexOf("\"include_usage\": true"u8) >= 0);

    private static byte[][] BuildStream()
    {
        string Chunk(string delta, string finish) =>
            "{" + Head + ",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]}";

        var events = new List<byte[]> { Event(Chunk("{\"role\":\"assistant\",\"refusal\":null}", "null")) };
        for (var i = 0; i < ContentChunks; i++)
        {
            events.Add(Event(Chunk($"{{\"content\":\" word{i:00}\"}}", "null")));
        }

        events.Add(Event(Chunk("{}", "\"stop\"")));
        events.Add(DoneEvent.ToArray());
        return [.. events];
    }

    private static byte[] Event(string json) => Encoding.UTF8.GetBytes("data: " + json + "\n\n");
}
