using System.Net;
using System.Net.Sockets;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The one connection pool the proxy sends upstream requests through. Each request carries its service's connect
/// timeout, which the connect callback applies; redirects, cookies and decompression are the client's business.
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    public static readonly HttpRequestOptionsKey<TimeSpan> ConnectTimeout = new("tollgate.connect-timeout");

    /// <summary>The request's deadline for its response headers, paused while a new connection is being made.</summary>
    private static readonly HttpRequestOptionsKey<HeadersDeadline> Deadline = new("tollgate.headers-deadline");

    public UpstreamClient()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectCallback = ConnectAsync,
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();

    /// <summary>
    /// Sends with the service's timeouts, as Kong applies them: <c>connect_timeout</c> for a new connection, then
    /// <c>read_timeout</c> for the response headers (plus <c>write_timeout</c> when the body streams from the client).
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Entities.Service service, bool bodyStreams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(service);
        var afterConnect = TimeSpan.FromMilliseconds(service.ReadTimeout + (bodyStreams ? (long)service.WriteTimeout : 0));
        using var deadline = new HeadersDeadline(CancellationTokenSource.CreateLinkedTokenSource(cancellationToken), afterConnect);
        request.Options.Set(ConnectTimeout, TimeSpan.FromMilliseconds(service.ConnectTimeout));
        request.Options.Set(Deadline, deadline);
        request.Version = HttpVersion.Version11;
        deadline.Source.CancelAfter(afterConnect);
        try
        {
            return await Invoker.SendAsync(request, deadline.Source.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException("the upstream did not answer within its timeouts");
        }
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var options = context.InitialRequestMessage.Options;
        var timeout = options.TryGetValue(ConnectTimeout, out var configured) ? configured : TimeSpan.FromSeconds(60);

        // Connecting has its own timeout; the wait for the answer starts once connected.
        options.TryGetValue(Deadline, out var deadline);
        deadline?.Source.CancelAfter(Timeout.InfiniteTimeSpan);
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connecting.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, connecting.Token);
            deadline?.Source.CancelAfter(deadline.AfterConnect);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new UpstreamTimeoutException($"connecting to {context.DnsEndPoint.Host}:{context.DnsEndPoint.Port} took longer than {timeout.TotalMilliseconds} ms");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The timer that bounds the wait for a response's headers.</summary>
internal sealed record HeadersDeadline(CancellationTokenSource Source, TimeSpan AfterConnect) : IDisposable
{
    public void Dispose() => Source.Dispose();
}

/// <summary>The upstream did not connect or answer within its service's timeouts.</summary>
internal sealed class UpstreamTimeoutException(string message) : Exception(message);
