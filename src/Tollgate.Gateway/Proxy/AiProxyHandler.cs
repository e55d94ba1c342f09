namespace Tollgate.Gateway.Proxy;

/// <summary>The ai-proxy plugin in the request path (being written).</summary>
internal sealed class AiProxyHandler
{
#pragma warning disable CA1822 // replaced by the real handler
    public Task HandleAsync(ProxyExchange exchange) => GatewayProxy.MessageAsync(exchange.Http, 501, "ai-proxy is not wired yet");
}
