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

    /// <summary>Sends with the service's connect timeout, and all its timeouts together as the bound for the response headers.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Entities.Service service, CancellationToken cancellationToken)
    {
        request.Options.Set(ConnectTimeout, TimeSpan.FromMilliseconds(service.ConnectTimeout));
        request.Version = HttpVersion.Version11;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds((long)service.ConnectTimeout + service.WriteTimeout + service.ReadTimeout));
        try
        {
            return await Invoker.SendAsync(request, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException("the upstream did not answer within its timeouts");
        }
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var timeout = context.InitialRequestMessage.Options.TryGetValue(ConnectTimeout, out var configured) ? configured : TimeSpan.FromSeconds(60);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, deadline.Token);
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

/// <summary>The upstream did not connect or answer within its service's timeouts.</summary>
internal sealed class UpstreamTimeoutException(string message) : Exception(message);
