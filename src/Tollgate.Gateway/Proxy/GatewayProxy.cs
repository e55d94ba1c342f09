using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Access;
using Tollgate.Gateway.Routing;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The proxy listener's one handler: match a route in the current snapshot, authenticate the consumer, then
/// forward: through the ai-proxy when the route has it, as a plain reverse proxy otherwise. Errors answer with
/// Kong's bodies and status codes.
/// </summary>
public sealed partial class GatewayProxy
{
    private readonly GatewayConfigService _config;
    private readonly UpstreamClient _client;
    private readonly AiProxyHandler _ai;
    private readonly TimeProvider _time;
    private readonly ILogger<GatewayProxy> _logger;
    private readonly IGatewayAccess? _access;

    internal GatewayProxy(GatewayConfigService config, UpstreamClient client, AiProxyHandler ai, TimeProvider time, ILogger<GatewayProxy> logger, IGatewayAccess? access)
    {
        _access = access;
        _config = config;
        _client = client;
        _ai = ai;
        _time = time;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var started = _time.GetTimestamp();
        var startedAt = _time.GetUtcNow();
        var requestId = Ulid.NewUlid().ToString();
        http.Response.Headers["X-Kong-Request-Id"] = requestId;
        var snapshot = _config.Snapshot;
        var route = snapshot.Match(http.Request, out var matchedLength);
        if (route is null)
        {
            await MessageAsync(http, StatusCodes.Status404NotFound, "no Route matched with those values");
            return;
        }

        if (route.Service is not { Enabled: true } service)
        {
            await MessageAsync(http, StatusCodes.Status503ServiceUnavailable, "no Service found with those values");
            return;
        }

        var strip = new StrippedCredentials();
        AuthenticatedConsumer? consumer = null;
        if (route.KeyAuth is { } keyAuth && !(HttpMethods.IsOptions(http.Request.Method) && !keyAuth.RunOnPreflight))
        {
            consumer = KeyAuthentication.Authenticate(http.Request, keyAuth, snapshot, strip, out var failure);
            if (consumer is null)
            {
                http.Response.Headers.WWWAuthenticate = $"Key realm=\"{keyAuth.Realm ?? "kong"}\"";
                await MessageAsync(http, StatusCodes.Status401Unauthorized, failure!);
                return;
            }
        }

        if (route.Entitlement is { } entitlement && route.AiProvider is null)
        {
            // A plain route meters nothing: the check is access only. AI routes are checked by the ai-proxy, which
            // knows the request's worst case.
            var decision = await AdmitAsync(new AccessRequest(entitlement.Feature, consumer?.Consumer.Username, consumer?.Consumer.CustomId, 0), http.RequestAborted);
            decision.Settle(0);
            if (!decision.IsAdmitted)
            {
                await MessageAsync(http, StatusOf(decision), decision.Message!);
                return;
            }
        }

        var exchange = new ProxyExchange(http, route, service, consumer, strip, requestId, started, startedAt,
            Forwarder.UpstreamPath(route, http.Request.Path.Value ?? "/", matchedLength));
        try
        {
            if (route.AiProvider is not null)
            {
                await _ai.HandleAsync(exchange);
            }
            else
            {
                await ForwardAsync(exchange);
            }
        }
        catch (UpstreamTimeoutException exception)
        {
            LogUpstreamFailed(_logger, route.Route.Name ?? route.Route.Id.ToString(), exception.Message);
            await FailAsync(http, StatusCodes.Status504GatewayTimeout, "The upstream server is timing out");
        }
        catch (HttpRequestException exception)
        {
            LogUpstreamFailed(_logger, route.Route.Name ?? route.Route.Id.ToString(), exception.Message);
            await FailAsync(http, StatusCodes.Status502BadGateway, "An invalid response was received from the upstream server");
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client left; there is nobody to answer.
        }
        catch (Exception exception)
        {
            LogUnexpected(_logger, route.Route.Name ?? route.Route.Id.ToString(), exception);
            await FailAsync(http, StatusCodes.Status500InternalServerError, "An unexpected error occurred");
        }
    }

    /// <summary>The entitlement check; without billing on this node every request of such a route is refused.</summary>
    internal ValueTask<AccessDecision> AdmitAsync(AccessRequest request, CancellationToken cancellationToken) =>
        _access?.AdmitAsync(request, cancellationToken)
        ?? ValueTask.FromResult(AccessDecision.Refuse(AccessDenial.NoAccess, "entitlements are not available on this node"));

    internal static int StatusOf(AccessDecision decision) =>
        decision.Denial == AccessDenial.LimitReached ? StatusCodes.Status429TooManyRequests : StatusCodes.Status403Forbidden;

    /// <summary>Plain reverse proxying: the body streams both ways untouched.</summary>
    private async Task ForwardAsync(ProxyExchange exchange)
    {
        var http = exchange.Http;
        var service = exchange.Service;
        using var upstream = new HttpRequestMessage(new HttpMethod(http.Request.Method), Forwarder.UpstreamUri(service, exchange.UpstreamPath, http.Request.QueryString, exchange.Strip.QueryParameter));
        var bodyStreams = http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0;
        if (bodyStreams)
        {
            upstream.Content = new StreamContent(http.Request.Body);
        }

        Forwarder.CopyRequestHeaders(http, upstream, exchange.Route, exchange.Consumer, exchange.Strip, skipContentHeaders: false);
        var sentAt = _time.GetTimestamp();
        using var response = await _client.SendAsync(upstream, service, bodyStreams, http.RequestAborted);
        Forwarder.CopyResponseHeaders(response, http.Response, skipContentLength: false);
        Forwarder.AddLatencyHeaders(exchange, sentAt, _time);
        await using var body = await response.Content.ReadAsStreamAsync(http.RequestAborted);
        await Forwarder.CopyBodyAsync(body, http.Response, TimeSpan.FromMilliseconds(service.ReadTimeout), http.RequestAborted);
    }

    /// <summary>Kong's error body, <c>{"message": "..."}</c>.</summary>
    internal static async Task MessageAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(http.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("message", message);
        writer.WriteEndObject();
    }

    private static Task FailAsync(HttpContext http, int status, string message) =>
        http.Response.HasStarted ? AbortAsync(http) : MessageAsync(http, status, message);

    private static Task AbortAsync(HttpContext http)
    {
        // Headers are out: the only honest signal left is to cut the connection.
        http.Abort();
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Proxying on route {Route} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string route, Exception exception);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Proxying on route {Route} failed: {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string route, string reason);
}

/// <summary>One proxied request: what the gateway decided before forwarding it.</summary>
internal sealed record ProxyExchange(
    HttpContext Http,
    CompiledRoute Route,
    Entities.Service Service,
    AuthenticatedConsumer? Consumer,
    StrippedCredentials Strip,
    string RequestId,
    long Started,
    DateTimeOffset StartedAt,
    string UpstreamPath);
