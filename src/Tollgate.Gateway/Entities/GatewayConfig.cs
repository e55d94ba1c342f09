using System.Collections.Immutable;

namespace Tollgate.Gateway.Entities;

/// <summary>
/// The whole gateway configuration: every entity, immutable. Each change (one admin call or one declarative
/// file) produces a new config, which is validated as a whole before it is stored, and the proxy swaps to the
/// new snapshot at once, so it never routes with half a change.
/// </summary>
public sealed record GatewayConfig
{
    public static GatewayConfig Empty { get; } = new();

    public ImmutableArray<Service> Services { get; init; } = [];

    public ImmutableArray<Route> Routes { get; init; } = [];

    public ImmutableArray<Consumer> Consumers { get; init; } = [];

    public ImmutableArray<KeyAuthCredential> KeyAuthCredentials { get; init; } = [];

    public ImmutableArray<ConsumerGroup> ConsumerGroups { get; init; } = [];

    public ImmutableArray<Plugin> Plugins { get; init; } = [];

    /// <summary>The version the store gave this config; every stored change increments it.</summary>
    public long Version { get; init; }

    public Service? FindService(string idOrName) => Find(Services, idOrName, static s => s.Id, static s => s.Name);

    public Route? FindRoute(string idOrName) => Find(Routes, idOrName, static r => r.Id, static r => r.Name);

    public Consumer? FindConsumer(string idOrName) => Find(Consumers, idOrName, static c => c.Id, static c => c.Username)
        ?? Consumers.FirstOrDefault(c => c.CustomId is not null && string.Equals(c.CustomId, idOrName, StringComparison.Ordinal));

    public ConsumerGroup? FindConsumerGroup(string idOrName) => Find(ConsumerGroups, idOrName, static g => g.Id, static g => g.Name);

    public Plugin? FindPlugin(string id) => Guid.TryParse(id, out var guid) ? Plugins.FirstOrDefault(p => p.Id == guid) : null;

    /// <summary>
    /// Every list in creation order, ids breaking ties, as Kong lists them: the order every node loads the config in,
    /// so route ties, plugin lookups and admin pages agree between the node that made a change and the others.
    /// </summary>
    public GatewayConfig InCreationOrder() => this with
    {
        Services = InCreationOrder(Services),
        Routes = InCreationOrder(Routes),
        Consumers = InCreationOrder(Consumers),
        KeyAuthCredentials = InCreationOrder(KeyAuthCredentials),
        ConsumerGroups = InCreationOrder(ConsumerGroups),
        Plugins = InCreationOrder(Plugins),
    };

    private static ImmutableArray<T> InCreationOrder<T>(ImmutableArray<T> items)
        where T : IGatewayEntity => [.. items.OrderBy(i => i.CreatedAt).ThenBy(i => i.Id)];

    private static T? Find<T>(ImmutableArray<T> items, string idOrName, Func<T, Guid> id, Func<T, string?> name)
        where T : class
    {
        if (Guid.TryParse(idOrName, out var guid))
        {
            foreach (var item in items)
            {
                if (id(item) == guid)
                {
                    return item;
                }
            }
        }

        foreach (var item in items)
        {
            if (string.Equals(name(item), idOrName, StringComparison.Ordinal))
            {
                return item;
            }
        }

        return null;
    }
}

/// <summary>What is wrong with a config: which entity, which field, and why.</summary>
/// <param name="Entity">The entity, as a person finds it: <c>service 'example-service'</c>, <c>route 'chat'</c>.</param>
/// <param name="Field">The field, as written in the admin API or the declarative file: <c>paths[0]</c>, <c>config.route_type</c>.</param>
/// <param name="Message">Why the value is refused.</param>
public sealed record ConfigError(string Entity, string Field, string Message)
{
    public override string ToString() => $"{Entity}: {Field}: {Message}";
}
