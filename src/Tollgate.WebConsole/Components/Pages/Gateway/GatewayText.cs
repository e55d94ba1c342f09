using System.Globalization;
using System.Text.Json.Nodes;
using Tollgate.Gateway.Entities;
using Tollgate.WebConsole.Display;
using Route = Tollgate.Gateway.Entities.Route;

namespace Tollgate.WebConsole.Components.Pages.Gateway;

/// <summary>
/// How the gateway pages show entities and turn their inputs into the Kong Admin API's body shape. Presentation
/// only: what a value means and whether it is allowed is decided by the gateway module when the body is saved.
/// </summary>
internal static class GatewayText
{
    /// <summary>The plugin scopes a plugin form offers, as <c>kind:id</c> values (<c>global</c> for none).</summary>
    public const string Global = "global";

    /// <summary>A service's upstream as the URL it was given (Kong's <c>url</c> shorthand).</summary>
    public static string UrlOf(Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var defaultPort = service.Port == (service.Protocol == "https" ? 443 : 80);
        return $"{service.Protocol}://{service.Host}{(defaultPort ? string.Empty : ":" + service.Port.ToString(CultureInfo.InvariantCulture))}{service.Path}";
    }

    public static string NameOf(Service service) => service.Name ?? service.Id.ToString();

    /// <summary>A route by its name, else by its paths, else its id.</summary>
    public static string NameOf(Route route) =>
        route.Name ?? (route.Paths is { Count: > 0 } paths ? string.Join(", ", paths) : route.Id.ToString());

    public static string NameOf(Consumer consumer) => consumer.Username ?? consumer.CustomId ?? consumer.Id.ToString();

    /// <summary>What an address uses for the entity: its name when it has one (readable), else its id.</summary>
    public static string KeyOf(Service service) => Uri.EscapeDataString(service.Name ?? service.Id.ToString());

    public static string KeyOf(Route route) => Uri.EscapeDataString(route.Name ?? route.Id.ToString());

    public static string KeyOf(Consumer consumer) => Uri.EscapeDataString(consumer.Username ?? consumer.Id.ToString());

    /// <summary>The scope value of a plugin form for the plugin's scope.</summary>
    public static string ScopeValue(Plugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        return plugin.Route is { } route ? $"route:{route.Id}"
            : plugin.Service is { } service ? $"service:{service.Id}"
            : plugin.Consumer is { } consumer ? $"consumer:{consumer.Id}"
            : plugin.ConsumerGroup is { } group ? $"consumer_group:{group.Id}"
            : Global;
    }

    /// <summary>"Global", or the kind and name of the entity the plugin applies to.</summary>
    public static string ScopeLabel(GatewayConfig config, Plugin plugin)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(plugin);
        return ScopeLabel(config, ScopeValue(plugin));
    }

    public static string ScopeLabel(GatewayConfig config, string scope)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(scope);
        var (kind, id) = scope.Split(':', 2) is [var k, var i] ? (k, i) : (Global, string.Empty);
        return kind switch
        {
            "service" => "Service " + (config.FindService(id) is { } s ? NameOf(s) : id),
            "route" => "Route " + (config.FindRoute(id) is { } r ? NameOf(r) : id),
            "consumer" => "Consumer " + (config.FindConsumer(id) is { } c ? NameOf(c) : id),
            "consumer_group" => "Consumer group " + (config.FindConsumerGroup(id)?.Name ?? id),
            _ => "Global",
        };
    }

    /// <summary>The references a plugin body carries for a scope value: each kind set to its entity or to null.</summary>
    public static void SetScope(JsonObject body, string scope)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(scope);
        var (kind, id) = scope.Split(':', 2) is [var k, var i] ? (k, i) : (Global, string.Empty);
        foreach (var field in (string[])["service", "route", "consumer", "consumer_group"])
        {
            body[field] = field == kind ? new JsonObject { ["id"] = id } : null;
        }
    }

    /// <summary>Non-empty trimmed lines (or comma-separated items) as a JSON array; null when there are none.</summary>
    public static JsonArray? List(string? text, bool commas = false)
    {
        var items = (text ?? string.Empty)
            .Split(commas ? [',', '\n'] : ['\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(item => item.Length > 0)
            .ToList();
        return items.Count == 0 ? null : new JsonArray([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);
    }

    public static string Lines(IReadOnlyList<string>? items) => items is null ? string.Empty : string.Join('\n', items);

    public static string Commas(IReadOnlyList<string>? items) => items is null ? string.Empty : string.Join(", ", items);

    /// <summary>The text, or null when it is blank (so the body clears the field instead of storing "").</summary>
    public static JsonNode? Text(string? text) => string.IsNullOrWhiteSpace(text) ? null : JsonValue.Create(text.Trim());

    public static string When(long unixSeconds) => Formats.Time(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
}
