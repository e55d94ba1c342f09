using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Routing;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The HTTP plumbing of the proxy: the upstream URL (Kong's strip_path and path joining), the request headers
/// (hop-by-hop removed, X-Forwarded-* and X-Consumer-* added), and the response copied back as it arrives, with
/// pooled buffers and a flush per read so streams are never held back.
/// </summary>
internal static class Forwarder
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    /// <summary>The path the upstream gets: the service's path joined with what is left after strip_path.</summary>
    public static string UpstreamPath(CompiledRoute route, string requestPath, int matchedLength)
    {
        var service = route.Service!;
        var rest = route.Route.StripPath && matchedLength > 0 ? requestPath[matchedLength..] : requestPath;
        var basePath = service.Path;
        if (string.IsNullOrEmpty(basePath))
        {
            return rest.Length == 0 ? "/" : rest.StartsWith('/') ? rest : "/" + rest;
        }

        if (rest.Length == 0)
        {
            return basePath;
        }

        if (basePath.EndsWith('/') && rest.StartsWith('/'))
        {
            return basePath + rest[1..];
        }

        // Kong's v0 path handling joins without adding a slash when the service path ends with one; v1 and the
        // plain case join as written.
        return !basePath.EndsWith('/') && !rest.StartsWith('/') && route.Route.PathHandling == "v0" ? basePath + "/" + rest : basePath + rest;
    }

    public static Uri UpstreamUri(Service service, string path, QueryString query, string? removeQueryParameter)
    {
        var builder = new StringBuilder(128)
            .Append(service.Protocol).Append("://").Append(service.Host);
        if (!(service.Protocol == "http" && service.Port == 80) && !(service.Protocol == "https" && service.Port == 443))
        {
            builder.Append(':').Append(service.Port.ToString(CultureInfo.InvariantCulture));
        }

        builder.Append(path);
        if (query.HasValue)
        {
            if (removeQueryParameter is null)
            {
                builder.Append(query.Value);
            }
            else
            {
                var kept = QueryHelpers.ParseQuery(query.Value).Where(p => !string.Equals(p.Key, removeQueryParameter, StringComparison.Ordinal)).ToList();
                if (kept.Count > 0)
                {
                    builder.Append(QueryString.Create(kept));
                }
            }
        }

        return new Uri(builder.ToString());
    }

    /// <summary>Copies the client's headers to the upstream request, as Kong does.</summary>
    public static void CopyRequestHeaders(HttpContext http, HttpRequestMessage upstream, CompiledRoute route, AuthenticatedConsumer? consumer, StrippedCredentials strip, bool skipContentHeaders)
    {
        var request = http.Request;
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name) || string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase)
                || (strip.Header is not null && string.Equals(name, strip.Header, StringComparison.OrdinalIgnoreCase))
                || name.StartsWith(':'))
            {
                continue;
            }

            if (IsContentHeader(name))
            {
                if (!skipContentHeaders)
                {
                    upstream.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
                }

                continue;
            }

            upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
        }

        if (route.Route.PreserveHost)
        {
            upstream.Headers.Host = request.Host.Value;
        }

        var remote = http.Connection.RemoteIpAddress?.ToString();
        if (remote is not null)
        {
            var forwardedFor = request.Headers["X-Forwarded-For"].ToString();
            upstream.Headers.Remove("X-Forwarded-For");
            upstream.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.Length == 0 ? remote : forwardedFor + ", " + remote);
            upstream.Headers.Remove("X-Real-IP");
            upstream.Headers.TryAddWithoutValidation("X-Real-IP", remote);
        }

        SetHeader(upstream, "X-Forwarded-Proto", request.Scheme);
        SetHeader(upstream, "X-Forwarded-Host", request.Host.Host);
        SetHeader(upstream, "X-Forwarded-Port", (request.Host.Port ?? (request.IsHttps ? 443 : 80)).ToString(CultureInfo.InvariantCulture));
        SetHeader(upstream, "X-Forwarded-Path", request.Path.Value ?? "/");
        if (consumer is not null)
        {
            SetHeader(upstream, "X-Consumer-ID", consumer.Consumer.Id.ToString());
            if (consumer.Consumer.Username is { } username)
            {
                SetHeader(upstream, "X-Consumer-Username", username);
            }

            if (consumer.Consumer.CustomId is { } customId)
            {
                SetHeader(upstream, "X-Consumer-Custom-ID", customId);
            }

            SetHeader(upstream, "X-Credential-Identifier", consumer.Credential.Id.ToString());
        }
    }

    public static void SetHeader(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }

    /// <summary>Kong's latency headers: time until the upstream answered, and the gateway's own share before sending.</summary>
    public static void AddLatencyHeaders(ProxyExchange exchange, long sentAt, TimeProvider time)
    {
        var headers = exchange.Http.Response.Headers;
        var now = time.GetTimestamp();
        headers["X-Kong-Upstream-Latency"] = Milliseconds(time.GetElapsedTime(sentAt, now));
        headers["X-Kong-Proxy-Latency"] = Milliseconds(time.GetElapsedTime(exchange.Started, sentAt));
        headers.Via = "1.1 tollgate";
    }

    private static string Milliseconds(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Copies the upstream status and headers to the client response (not yet started).</summary>
    public static void CopyResponseHeaders(HttpResponseMessage upstream, HttpResponse response, bool skipContentLength)
    {
        response.StatusCode = (int)upstream.StatusCode;
        foreach (var (name, values) in upstream.Headers)
        {
            if (!HopByHop.Contains(name))
            {
                response.Headers[name] = values.ToArray();
            }
        }

        foreach (var (name, values) in upstream.Content.Headers)
        {
            if (!(skipContentLength && string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase)))
            {
                response.Headers[name] = values.ToArray();
            }
        }
    }

    /// <summary>
    /// Streams the upstream body to the client, flushing after every read, so server-sent events and slow bodies
    /// reach the client as they arrive. Each read waits at most <paramref name="readTimeout"/>.
    /// </summary>
    public static async Task CopyBodyAsync(Stream upstream, HttpResponse response, TimeSpan readTimeout, CancellationToken cancellationToken)
    {
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var read = await ReadAsync(upstream, buffer, readTimeout, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One read of the upstream body, bounded by the service's read timeout.</summary>
    public static async ValueTask<int> ReadAsync(Stream upstream, byte[] buffer, TimeSpan readTimeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(readTimeout);
        try
        {
            return await upstream.ReadAsync(buffer, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException($"the upstream sent nothing for {readTimeout.TotalMilliseconds} ms");
        }
    }

    /// <summary>Whether <paramref name="name"/> belongs on the content (<see cref="HttpContent.Headers"/>) rather than the message.</summary>
    public static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Expires", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "Last-Modified", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Allow", StringComparison.OrdinalIgnoreCase);
}
