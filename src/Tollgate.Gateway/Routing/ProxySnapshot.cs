using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Routing;

/// <summary>
/// Everything the proxy needs from one config version, compiled once: routes in matching order with their plugins
/// resolved, and consumers by key hash. The proxy reads one snapshot per request; a change builds a new one and
/// swaps it in whole.
/// </summary>
internal sealed class ProxySnapshot
{
    private readonly CompiledRoute[] _routes;

    private ProxySnapshot(GatewayConfig config, CompiledRoute[] routes, FrozenDictionary<string, KeyAuthCredential> credentials, FrozenDictionary<Guid, Consumer> consumers)
    {
        Config = config;
        _routes = routes;
        CredentialsByHash = credentials;
        ConsumersById = consumers;
    }

    public static ProxySnapshot Empty { get; } = Build(GatewayConfig.Empty);

    public GatewayConfig Config { get; }

    public FrozenDictionary<string, KeyAuthCredential> CredentialsByHash { get; }

    public FrozenDictionary<Guid, Consumer> ConsumersById { get; }

    public static ProxySnapshot Build(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var services = config.Services.ToDictionary(s => s.Id);
        var enabled = config.Plugins.Where(p => p.Enabled && p.Consumer is null && p.ConsumerGroup is null).ToList();
        var routes = new List<CompiledRoute>(config.Routes.Length);
        var providers = new Dictionary<Guid, Ai.ILlmProvider>();
        for (var i = 0; i < config.Routes.Length; i++)
        {
            var route = config.Routes[i];
            var service = route.Service is { } reference && services.TryGetValue(reference.Id, out var found) ? found : null;
            var keyAuth = Resolve(enabled, PluginSchemas.KeyAuth, route, service);
            var aiProxy = Resolve(enabled, PluginSchemas.AiProxy, route, service);
            var keyAuthConfig = keyAuth is null ? null : PluginSchemas.ReadKeyAuth(keyAuth.Config);
            var entitlement = Resolve(enabled, PluginSchemas.Entitlement, route, service);
            routes.Add(new CompiledRoute(route, service, i)
            {
                // An ai-proxy upstream is a third party: the consumer's key never travels there, whatever hide_credentials says.
                KeyAuth = aiProxy is null || keyAuthConfig is null ? keyAuthConfig : keyAuthConfig with { HideCredentials = true },
                AiProvider = aiProxy is null ? null : ProviderFor(aiProxy, providers),
                Entitlement = entitlement is null ? null : PluginSchemas.ReadEntitlement(entitlement.Config),
            });
        }

        // Kong's order, simplified: more kinds of condition first; then regex paths (higher regex_priority first)
        // before prefix paths, longer prefixes first; then creation order.
        var ordered = routes
            .OrderByDescending(r => r.Criteria)
            .ThenByDescending(r => r.HasRegex)
            .ThenByDescending(r => r.HasRegex ? r.Route.RegexPriority : 0)
            .ThenByDescending(r => r.LongestPrefix)
            .ThenBy(r => r.Order)
            .ToArray();
        return new ProxySnapshot(
            config,
            ordered,
            config.KeyAuthCredentials.ToFrozenDictionary(c => c.KeyHash, StringComparer.Ordinal),
            config.Consumers.ToFrozenDictionary(c => c.Id));
    }

    /// <summary>The first route that matches, with how much of the path it matched; null when none does.</summary>
    public CompiledRoute? Match(HttpRequest request, out int matchedLength)
    {
        var method = request.Method;
        var host = request.Host.Value ?? string.Empty;
        var path = request.Path.Value ?? "/";
        foreach (var route in _routes)
        {
            if (route.Matches(method, host, path, request.Headers, out matchedLength))
            {
                return route;
            }
        }

        matchedLength = 0;
        return null;
    }

    // One adapter per plugin, shared by the routes it covers. The config was validated when it was stored.
    private static Ai.ILlmProvider ProviderFor(Plugin plugin, Dictionary<Guid, Ai.ILlmProvider> providers)
    {
        if (!providers.TryGetValue(plugin.Id, out var provider))
        {
            var errors = new List<Ai.ConfigFieldError>();
            var config = Ai.AiProxyConfig.Parse(plugin.Config, errors)
                ?? throw new InvalidDataException($"the stored ai-proxy plugin {plugin.Id} is invalid: {string.Join("; ", errors)}");
            provider = Ai.LlmProviders.Create(config);
            providers[plugin.Id] = provider;
        }

        return provider;
    }

    // Kong's precedence: a plugin on the route and its service wins over one on the route alone, which wins over one on
    // the service, which wins over a global one.
    private static Plugin? Resolve(List<Plugin> plugins, string name, Route route, Service? service)
    {
        Plugin? onRouteAndService = null;
        Plugin? onRoute = null;
        Plugin? onService = null;
        Plugin? global = null;
        foreach (var plugin in plugins)
        {
            if (!string.Equals(plugin.Name, name, StringComparison.Ordinal))
            {
                continue;
            }

            if (plugin.Route?.Id == route.Id)
            {
                if (plugin.Service is null)
                {
                    onRoute ??= plugin;
                }
                else if (service is not null && plugin.Service.Id == service.Id)
                {
                    onRouteAndService ??= plugin;
                }
            }
            else if (plugin.Route is null && service is not null && plugin.Service?.Id == service.Id)
            {
                onService ??= plugin;
            }
            else if (plugin.Route is null && plugin.Service is null)
            {
                global ??= plugin;
            }
        }

        return onRouteAndService ?? onRoute ?? onService ?? global;
    }
}
