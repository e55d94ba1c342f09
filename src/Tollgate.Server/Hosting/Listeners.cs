using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Tollgate.Server.Hosting;

/// <summary>The three ports Tollgate serves; each request belongs to the one it arrived on.</summary>
public enum Listener
{
    Proxy,
    Admin,
    Console,
}

/// <summary>Endpoint metadata: the endpoint answers only on this listener.</summary>
internal sealed record ListenerMetadata(Listener Listener);

/// <summary>The addresses Tollgate bound, known once the server has started (port 0 resolves then).</summary>
public sealed class ListenerEndpoints
{
    private readonly Dictionary<Listener, ListenOptions> _options = [];

    internal void Add(Listener listener, ListenOptions options) => _options[listener] = options;

    /// <summary>The bound endpoint of a listener, e.g. to build a URL in tests.</summary>
    public IPEndPoint this[Listener listener] => (IPEndPoint)_options[listener].EndPoint;

    public Uri Url(Listener listener)
    {
        var endpoint = this[listener];
        var host = endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1" : endpoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]" : endpoint.Address.ToString();
        if (endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !host.StartsWith('['))
        {
            host = $"[{host}]";
        }

        return new Uri($"http://{host}:{endpoint.Port}/");
    }

    /// <summary>Parses <c>host:port</c>, <c>:port</c> (all interfaces) or <c>[v6]:port</c>.</summary>
    public static IPEndPoint Parse(string value, string option)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw new ArgumentException($"{option}: \"{value}\" is not host:port (for example 127.0.0.1:8001 or :8001)");
        }

        var host = value[..colon].Trim('[', ']');
        var address = host switch
        {
            "" or "*" or "0.0.0.0" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : throw new ArgumentException($"{option}: \"{host}\" is not an IP address; use 127.0.0.1, 0.0.0.0 or an interface address"),
        };
        return new IPEndPoint(address, port);
    }
}

/// <summary>Drops candidate endpoints that belong to another listener than the connection's.</summary>
internal sealed class ListenerMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public const string ItemKey = "tollgate.listener";

    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<ListenerMetadata>() is not null)
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var listener = Of(httpContext);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<ListenerMetadata>() is { } metadata && metadata.Listener != listener)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The listener a request arrived on, tagged on its connection when accepted.</summary>
    public static Listener? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var value) == true ? (Listener)value! : null;
}

/// <summary>Scopes endpoints to a listener.</summary>
public static class ListenerEndpointExtensions
{
    public static TBuilder OnListener<TBuilder>(this TBuilder builder, Listener listener)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new ListenerMetadata(listener)));
        return builder;
    }
}
