using System.Globalization;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tollgate.Server.Tests.Infrastructure.FakeLlm;

/// <summary>One request being answered: its body, the behaviour it arrived under, and the writing of JSON and server-sent events.</summary>
internal sealed class UpstreamCall(HttpContext context, UpstreamBehaviour behaviour, string body, CancellationToken cancellation)
{
    /// <summary>Compact JSON without escaping beyond what JSON needs, as the providers send it.</summary>
    private static readonly JsonSerializerOptions Wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private bool _sentEvent;

    public HttpContext Context => context;

    public UpstreamBehaviour Behaviour => behaviour;

    public CancellationToken Cancellation => cancellation;

    /// <summary>Unix seconds, for <c>created</c> / <c>created_at</c>.</summary>
    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static UpstreamCall Of(HttpContext context) => (UpstreamCall)context.Items[typeof(UpstreamCall)]!;

    /// <summary>A random id with a provider prefix, e.g. <c>chatcmpl-…</c>.</summary>
    public static string NewId(string prefix, int length = 29)
    {
        var hex = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        return prefix + hex[..Math.Min(length, hex.Length)];
    }

    public Task DelayBeforeResponseAsync() =>
        behaviour.DelayBeforeResponse > TimeSpan.Zero ? Task.Delay(behaviour.DelayBeforeResponse, cancellation) : Task.CompletedTask;

    /// <summary>The body as a JSON object, or null when it is not one.</summary>
    public JsonObject? ParseBody()
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The cached prompt tokens to report: <c>x-fake-cached-tokens</c>, clamped to 0..<paramref name="promptTokens"/>.</summary>
    public int CachedTokens(int promptTokens) =>
        int.TryParse(context.Request.Headers[FakeLlmUpstream.CachedTokensHeader].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var cached)
            ? Math.Clamp(cached, 0, promptTokens)
            : 0;

    public string AnsweredModel(string requested) => behaviour.AnsweredModel ?? FakeLlmUpstream.SnapshotOf(requested);

    public async Task WriteJsonAsync(int status, JsonNode json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json.ToJsonString(Wire), cancellation);
    }

    /// <summary>Sends the status line and headers of an event stream.</summary>
    public async Task StartStreamAsync()
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(cancellation);
    }

    /// <summary>Sends one event (<c>event: NAME</c> line only when named) and flushes it; waits <see cref="UpstreamBehaviour.DelayBetweenChunks"/> before every event but the first.</summary>
    public Task WriteEventAsync(string? name, JsonNode data) => WriteEventAsync(name, data.ToJsonString(Wire));

    public async Task WriteEventAsync(string? name, string data)
    {
        if (_sentEvent && behaviour.DelayBetweenChunks > TimeSpan.Zero)
        {
            await Task.Delay(behaviour.DelayBetweenChunks, cancellation);
        }

        _sentEvent = true;
        var text = name is null ? $"data: {data}\n\n" : $"event: {name}\ndata: {data}\n\n";
        await context.Response.WriteAsync(text, cancellation);
        await context.Response.Body.FlushAsync(cancellation);
    }

    /// <summary>
    /// Drops the connection mid-stream (what <see cref="UpstreamBehaviour.AbortMidStream"/> asks for). It first lets the
    /// flushed events reach the socket and half-closes it, so the client reads every event sent and then an end of stream
    /// in the middle of the chunked body, rather than a reset that could discard what it had not read yet.
    /// </summary>
    public async Task AbortAsync()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(50), cancellation);
        try
        {
            context.Features.Get<IConnectionSocketFeature>()?.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }

        context.Abort();
    }

    /// <summary>How many content chunks a stream sends before <see cref="AbortAsync"/> when <see cref="UpstreamBehaviour.AbortMidStream"/> is set.</summary>
    public int ChunksToSend(int chunks) => behaviour.AbortMidStream ? chunks / 2 : chunks;
}
