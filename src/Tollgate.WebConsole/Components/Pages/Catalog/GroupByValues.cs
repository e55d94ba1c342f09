using System.Text.Json.Nodes;
using Tollgate.Gateway.Ai;
using Tollgate.Gateway.Entities;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.WebConsole.Components.Pages.Metering;

namespace Tollgate.WebConsole.Components.Pages.Catalog;

/// <summary>
/// The values a feature's group-by filter can suggest for a key: those the meter has seen in its usage, then those the
/// gateway config names (the providers and models of ai-proxy plugins and the providers Tollgate serves, consumers,
/// services, routes; request and response for the token type).
/// </summary>
public static class GroupByValues
{
    public static async Task<IReadOnlyList<ValuePicker.PickerOption>> SuggestAsync(CompiledMeter meter, string key, MeterQueryService queries, GatewayConfig gateway, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(gateway);
        var options = new List<ValuePicker.PickerOption>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        void Add(string? value, string source)
        {
            if (!string.IsNullOrEmpty(value) && known.Add(value))
            {
                options.Add(new(value, MeteringText.Value(key, value), source));
            }
        }

        foreach (var seen in await queries.GroupByValuesAsync(meter, key, null, null, cancellationToken))
        {
            Add(seen, "seen in usage");
        }

        var aiProxies = gateway.Plugins.Where(p => p.Name == "ai-proxy").Select(p => p.Config["model"] as JsonObject).OfType<JsonObject>().ToList();
        switch (key)
        {
            case "provider":
                foreach (var model in aiProxies)
                {
                    Add(Text(model["provider"]), "ai-proxy plugin");
                }

                foreach (var served in AiProviders.Served)
                {
                    Add(served, "supported");
                }

                break;
            case "model":
                foreach (var model in aiProxies)
                {
                    Add(Text(model["name"]), "ai-proxy plugin");
                }

                break;
            case "consumer":
                foreach (var consumer in gateway.Consumers)
                {
                    Add(consumer.Username, "consumer");
                }

                break;
            case "service":
                foreach (var service in gateway.Services)
                {
                    Add(service.Name, "service");
                }

                break;
            case "route":
                foreach (var route in gateway.Routes)
                {
                    Add(route.Name, "route");
                }

                break;
            case "type":
                Add("request", "token type");
                Add("response", "token type");
                break;
        }

        return options;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
