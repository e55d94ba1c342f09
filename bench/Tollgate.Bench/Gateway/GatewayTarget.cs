using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Tollgate.Bench.Gateway;

/// <summary>One path to the upstream (direct, through nginx, YARP or Tollgate): where the chat request goes and with which headers.</summary>
internal sealed record GatewayTarget(string Name, Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public const string Direct = "direct";
    public const string Nginx = "nginx";
    public const string Yarp = "yarp";
    public const string Tollgate = "tollgate";

    /// <summary>Every path, in the order they are measured and reported.</summary>
    public static IReadOnlyList<string> All { get; } = [Direct, Nginx, Yarp, Tollgate];

    /// <summary>The seed's chat request, the same on every path.</summary>
    public static byte[] ChatBody { get; } = Encoding.UTF8.GetBytes(
        """{"model":"gpt-4","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello to Kong Air"}]}""");

    /// <summary>The same request streamed, asking for the usage chunk (Tollgate would ask for it anyway; asking on every path keeps the streams alike).</summary>
    public static byte[] StreamBody { get; } = Encoding.UTF8.GetBytes(
        """{"model":"gpt-4","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello to Kong Air"}]}""");

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public HttpRequestMessage NewRequest(bool stream)
    {
        var content = new ByteArrayContent(stream ? StreamBody : ChatBody);
        content.Headers.ContentType = Json;
        var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}

/// <summary>Loopback ports and readiness.</summary>
internal static class Loopback
{
    /// <summary>A port the kernel hands out for 127.0.0.1, released again for the process that will listen on it.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>; false after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitListeningAsync(int port, TimeSpan timeout, Func<bool> gaveUp, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !gaveUp())
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        return false;
    }
}
