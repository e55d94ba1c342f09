using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// One order for a config's entities, by name where they have one, used by both Parse and Dump: the order of a
/// file's entries does not matter to Kong, so a parsed config is put in this order, and a dump written in it parses
/// back to the same arrays.
/// </summary>
internal static class CanonicalOrder
{
    public static GatewayConfig Apply(GatewayConfig config)
    {
        var consumers = config.Consumers
            .OrderBy(c => c.Username is null).ThenBy(c => c.Username, StringComparer.Ordinal)
            .ThenBy(c => c.CustomId is null).ThenBy(c => c.CustomId, StringComparer.Ordinal)
            .ThenBy(c => c.Id)
            .ToList();
        var consumerIndex = new Dictionary<Guid, int>();
        for (var i = 0; i < consumers.Count; i++)
        {
            consumerIndex.TryAdd(consumers[i].Id, i);
        }

        // Members and credentials follow their consumers; an id no consumer has (an invalid config) goes last.
        int IndexOf(Guid consumer) => consumerIndex.TryGetValue(consumer, out var index) ? index : int.MaxValue;

        return config with
        {
            Services = [.. config.Services.OrderBy(s => s.Name is null).ThenBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Id)],
            Routes = [.. config.Routes.OrderBy(r => r.Name is null).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Id)],
            Consumers = [.. consumers],
            KeyAuthCredentials =
            [
                .. config.KeyAuthCredentials.OrderBy(k => IndexOf(k.Consumer.Id)).ThenBy(k => k.Consumer.Id)
                    .ThenBy(k => k.KeyHash, StringComparer.Ordinal).ThenBy(k => k.Id),
            ],
            ConsumerGroups =
            [
                .. config.ConsumerGroups.OrderBy(g => g.Name, StringComparer.Ordinal).ThenBy(g => g.Id)
                    .Select(g => g with { Consumers = [.. g.Consumers.OrderBy(IndexOf).ThenBy(id => id)] }),
            ],
            Plugins =
            [
                .. config.Plugins.OrderBy(p => p.Name, StringComparer.Ordinal)
                    .ThenBy(p => p.InstanceName, StringComparer.Ordinal)
                    .ThenBy(p => p.Service?.Id).ThenBy(p => p.Route?.Id).ThenBy(p => p.Consumer?.Id).ThenBy(p => p.ConsumerGroup?.Id)
                    .ThenBy(p => p.Id),
            ],
        };
    }
}
