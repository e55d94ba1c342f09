using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Tollgate.Gateway.Declarative;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Routing;
using Tollgate.Gateway.Storage;
using Route = Tollgate.Gateway.Entities.Route;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Creates, changes and deletes the gateway's entities from bodies in the Kong Admin API's JSON shape, for the admin
/// API and the console alike. Every write is one change of the whole config: the body is read over Kong's defaults
/// (a create) or the stored entity (an update), the next config is validated as a whole and stored in one
/// transaction, and a refusal throws <see cref="GatewayConfigException"/> having changed nothing. Lookups by
/// <c>key</c> take an id or a name (a username, for consumers); a method answers null when the key finds nothing.
/// </summary>
public sealed class GatewayEntities(GatewayConfigService config, TimeProvider time)
{
    /// <summary>The config in force now.</summary>
    public GatewayConfig Current => config.Current;

    public Task<Service> CreateServiceAsync(JsonObject body, CancellationToken cancellationToken) =>
        WriteAsync<Service>(body, (body, current, errors) =>
        {
            var service = EntityReaders.ReadService(body, null, Guid.NewGuid(), Now(), errors);
            return (current with { Services = current.Services.Add(service) }, service);
        }, cancellationToken);

    /// <summary>Kong's PATCH (the fields given) or, with <paramref name="replace"/>, PUT (create or replace whole).</summary>
    public Task<Service?> UpdateServiceAsync(string key, JsonObject body, bool replace, CancellationToken cancellationToken) =>
        UpsertAsync(key, body, replace, static (c, k) => c.FindService(k), "name",
            (body, basis, id, current, errors) => EntityReaders.ReadService(body, basis, id, Now(), errors),
            static (s, createdAt) => s with { CreatedAt = createdAt },
            static (c, existing, service) => c with { Services = Replace(c.Services, existing, service) },
            cancellationToken);

    /// <summary>Deletes the service and its plugins; refuses (<see cref="GatewayDeleteRefusedException"/>) while routes point at it.</summary>
    public Task<bool> DeleteServiceAsync(string key, CancellationToken cancellationToken) =>
        DeleteAsync(current =>
        {
            if (current.FindService(key) is not { } service)
            {
                return null;
            }

            if (current.Routes.Any(r => r.Service?.Id == service.Id))
            {
                throw new GatewayDeleteRefusedException("an existing 'routes' entity references this 'services' entity", "routes");
            }

            return current with
            {
                Services = current.Services.Remove(service),
                Plugins = [.. current.Plugins.Where(p => p.Service?.Id != service.Id)],
            };
        }, cancellationToken);

    /// <summary>A new route; <paramref name="service"/> fixes its service (a nested path), else the body's <c>service</c> does.</summary>
    public Task<Route> CreateRouteAsync(JsonObject body, EntityRef? service, CancellationToken cancellationToken) =>
        WriteAsync<Route>(body, (body, current, errors) =>
        {
            var route = EntityReaders.ReadRoute(body, null, Guid.NewGuid(), Now(), current, service, errors);
            return (current with { Routes = current.Routes.Add(route) }, route);
        }, cancellationToken);

    public Task<Route?> UpdateRouteAsync(string key, JsonObject body, bool replace, CancellationToken cancellationToken) =>
        UpsertAsync(key, body, replace, static (c, k) => c.FindRoute(k), "name",
            (body, basis, id, current, errors) => EntityReaders.ReadRoute(body, basis, id, Now(), current, null, errors),
            static (r, createdAt) => r with { CreatedAt = createdAt },
            static (c, existing, route) => c with { Routes = Replace(c.Routes, existing, route) },
            cancellationToken);

    /// <summary>Deletes the route and the plugins scoped to it.</summary>
    public Task<bool> DeleteRouteAsync(string key, CancellationToken cancellationToken) =>
        DeleteAsync(current => current.FindRoute(key) is { } route
            ? current with { Routes = current.Routes.Remove(route), Plugins = [.. current.Plugins.Where(p => p.Route?.Id != route.Id)] }
            : null, cancellationToken);

    public Task<Consumer> CreateConsumerAsync(JsonObject body, CancellationToken cancellationToken) =>
        WriteAsync<Consumer>(body, (body, current, errors) =>
        {
            var consumer = EntityReaders.ReadConsumer(body, null, Guid.NewGuid(), Now(), errors);
            return (current with { Consumers = current.Consumers.Add(consumer) }, consumer);
        }, cancellationToken);

    public Task<Consumer?> UpdateConsumerAsync(string key, JsonObject body, bool replace, CancellationToken cancellationToken) =>
        UpsertAsync(key, body, replace, static (c, k) => c.FindConsumer(k), "username",
            (body, basis, id, current, errors) => EntityReaders.ReadConsumer(body, basis, id, Now(), errors),
            static (c, createdAt) => c with { CreatedAt = createdAt },
            static (c, existing, consumer) => c with { Consumers = Replace(c.Consumers, existing, consumer) },
            cancellationToken);

    /// <summary>Deletes the consumer with its keys and plugins, and takes it out of its groups.</summary>
    public Task<bool> DeleteConsumerAsync(string key, CancellationToken cancellationToken) =>
        DeleteAsync(current => current.FindConsumer(key) is { } consumer
            ? current with
            {
                Consumers = current.Consumers.Remove(consumer),
                KeyAuthCredentials = [.. current.KeyAuthCredentials.Where(c => c.Consumer.Id != consumer.Id)],
                Plugins = [.. current.Plugins.Where(p => p.Consumer?.Id != consumer.Id)],
                ConsumerGroups = [.. current.ConsumerGroups.Select(g => g.Consumers.Contains(consumer.Id) ? g with { Consumers = [.. g.Consumers.Where(c => c != consumer.Id)] } : g)],
            }
            : null, cancellationToken);

    /// <summary>The consumer's key-auth credential with this id, if it is theirs.</summary>
    public static KeyAuthCredential? FindCredential(GatewayConfig config, string consumer, string credential)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.FindConsumer(consumer) is { } owner && Guid.TryParse(credential, out var id)
            ? config.KeyAuthCredentials.FirstOrDefault(c => c.Id == id && c.Consumer.Id == owner.Id)
            : null;
    }

    /// <summary>
    /// A new key for the consumer: the body's <c>key</c>, or a generated one. Only its hash is stored; the plain key
    /// is in the answer, the one time it is known. Null when the consumer does not exist.
    /// </summary>
    public Task<KeyAuthChange?> CreateKeyAuthAsync(string consumerKey, JsonObject body, CancellationToken cancellationToken) =>
        WriteAsync<KeyAuthChange?>(body, (body, current, errors) =>
        {
            if (current.FindConsumer(consumerKey) is not { } consumer)
            {
                return (current, null);
            }

            var credential = EntityReaders.ReadKeyAuth(body, null, Guid.NewGuid(), Now(), consumer.Id, errors, out var key);
            return (current with { KeyAuthCredentials = current.KeyAuthCredentials.Add(credential) }, new KeyAuthChange(credential, key));
        }, cancellationToken);

    /// <summary>Changes a credential (a new <c>key</c> comes back in the answer, as on create); null when it is not the consumer's.</summary>
    public Task<KeyAuthChange?> UpdateKeyAuthAsync(string consumerKey, string credentialKey, JsonObject body, CancellationToken cancellationToken) =>
        WriteAsync<KeyAuthChange?>(body, (body, current, errors) =>
        {
            if (FindCredential(current, consumerKey, credentialKey) is not { } existing)
            {
                return (current, null);
            }

            var credential = EntityReaders.ReadKeyAuth(body, existing, existing.Id, Now(), existing.Consumer.Id, errors, out var key);
            return (current with { KeyAuthCredentials = Replace(current.KeyAuthCredentials, existing, credential) }, new KeyAuthChange(credential, key));
        }, cancellationToken);

    public Task<bool> DeleteKeyAuthAsync(string consumerKey, string credentialKey, CancellationToken cancellationToken) =>
        DeleteAsync(current => FindCredential(current, consumerKey, credentialKey) is { } credential
            ? current with { KeyAuthCredentials = current.KeyAuthCredentials.Remove(credential) }
            : null, cancellationToken);

    public Task<ConsumerGroup> CreateConsumerGroupAsync(JsonObject body, CancellationToken cancellationToken) =>
        WriteAsync<ConsumerGroup>(body, (body, current, errors) =>
        {
            var group = EntityReaders.ReadConsumerGroup(body, null, Guid.NewGuid(), Now(), errors);
            return (current with { ConsumerGroups = current.ConsumerGroups.Add(group) }, group);
        }, cancellationToken);

    /// <summary>The members are not part of the body; a replace keeps them.</summary>
    public Task<ConsumerGroup?> UpdateConsumerGroupAsync(string key, JsonObject body, bool replace, CancellationToken cancellationToken) =>
        UpsertAsync(key, body, replace, static (c, k) => c.FindConsumerGroup(k), "name",
            (body, basis, id, current, errors) => KeepMembers(EntityReaders.ReadConsumerGroup(body, basis, id, Now(), errors), current),
            static (g, createdAt) => g with { CreatedAt = createdAt },
            static (c, existing, group) => c with { ConsumerGroups = Replace(c.ConsumerGroups, existing, group) },
            cancellationToken);

    public Task<bool> DeleteConsumerGroupAsync(string key, CancellationToken cancellationToken) =>
        DeleteAsync(current => current.FindConsumerGroup(key) is { } group
            ? current with { ConsumerGroups = current.ConsumerGroups.Remove(group), Plugins = [.. current.Plugins.Where(p => p.ConsumerGroup?.Id != group.Id)] }
            : null, cancellationToken);

    /// <summary>Adds the body's <c>consumer</c> (a name or id, or a list of them) to the group; null when the group does not exist.</summary>
    public Task<ConsumerGroup?> AddGroupMembersAsync(string key, JsonObject body, CancellationToken cancellationToken) =>
        WriteAsync<ConsumerGroup?>(body, (body, current, errors) =>
        {
            if (current.FindConsumerGroup(key) is not { } group)
            {
                return (current, null);
            }

            var read = new FieldReader(body, ConfigValidator.Describe("consumer group", group.Name, group.Id), errors);
            var members = read.Strings("consumer", null) ?? [];
            read.RejectUnknown();
            if (members.Count == 0)
            {
                read.Fail("consumer", "required field missing");
            }

            var added = new List<Consumer>();
            foreach (var member in members)
            {
                if (current.FindConsumer(member) is { } consumer)
                {
                    added.Add(consumer);
                }
                else
                {
                    read.Fail("consumer", $"the consumer '{member}' does not exist");
                }
            }

            var updated = group with { Consumers = [.. group.Consumers.Union(added.Select(c => c.Id))], UpdatedAt = Now() };
            return (current with { ConsumerGroups = Replace(current.ConsumerGroups, group, updated) }, updated);
        }, cancellationToken);

    public Task<bool> RemoveGroupMemberAsync(string key, string consumerKey, CancellationToken cancellationToken) =>
        DeleteAsync(current =>
            current.FindConsumerGroup(key) is { } group && current.FindConsumer(consumerKey) is { } consumer && group.Consumers.Contains(consumer.Id)
                ? current with { ConsumerGroups = Replace(current.ConsumerGroups, group, group with { Consumers = [.. group.Consumers.Where(c => c != consumer.Id)], UpdatedAt = Now() }) }
                : null, cancellationToken);

    /// <summary>
    /// A new plugin, scoped by the body's <c>service</c>, <c>route</c>, <c>consumer</c> and <c>consumer_group</c>
    /// references (none: global). The answer is as stored, secrets included: show it through <see cref="PluginSecrets.Redact(Plugin)"/>.
    /// </summary>
    public Task<Plugin> CreatePluginAsync(JsonObject body, CancellationToken cancellationToken) =>
        CreatePluginAsync(body, new PluginScope(), cancellationToken);

    /// <summary>A new plugin in the scope a nested path fixes.</summary>
    internal Task<Plugin> CreatePluginAsync(JsonObject body, PluginScope scope, CancellationToken cancellationToken) =>
        WriteAsync<Plugin>(body, (body, current, errors) =>
        {
            var plugin = EntityReaders.ReadPlugin(body, null, null, Guid.NewGuid(), Now(), current, scope, errors);
            return (current with { Plugins = current.Plugins.Add(plugin) }, plugin);
        }, cancellationToken);

    /// <summary>
    /// PATCH merges the body's <c>config</c> over the stored one; PUT (<paramref name="replace"/>, by id only) replaces
    /// it. A secret given as <see cref="PluginSecrets.Redacted"/> keeps the stored value.
    /// </summary>
    public Task<Plugin?> UpdatePluginAsync(string key, JsonObject body, bool replace, CancellationToken cancellationToken) =>
        WriteAsync<Plugin?>(body, (body, current, errors) =>
        {
            var existing = current.FindPlugin(key);
            if (existing is null && (!replace || !Guid.TryParse(key, out _)))
            {
                return (current, null);
            }

            var plugin = EntityReaders.ReadPlugin(body, replace ? null : existing, existing, existing?.Id ?? Guid.Parse(key), Now(), current, new PluginScope(), errors) with
            {
                CreatedAt = existing?.CreatedAt ?? Now(),
            };
            return (current with { Plugins = Replace(current.Plugins, existing, plugin) }, plugin);
        }, cancellationToken);

    public Task<bool> DeletePluginAsync(string key, CancellationToken cancellationToken) =>
        DeleteAsync(current => current.FindPlugin(key) is { } plugin ? current with { Plugins = current.Plugins.Remove(plugin) } : null, cancellationToken);

    /// <summary>What applying the decK file would give, with every error, without changing anything.</summary>
    public DeclarativeParseResult ValidateDeclarative(string text) => DeclarativeConfig.Parse(text, config.Current, DeckEnvironment, time);

    /// <summary>Replaces the whole config with the decK file, atomically (see <see cref="GatewayConfigService.ApplyDeclarativeAsync"/>).</summary>
    public Task<GatewayConfig> ApplyDeclarativeAsync(string text, CancellationToken cancellationToken) =>
        config.ApplyDeclarativeAsync(text, DeckEnvironment, time, cancellationToken);

    /// <summary>The config as a decK file; secrets are redacted.</summary>
    public string DumpDeclarative() => DeclarativeConfig.Dump(config.Current);

    /// <summary>decK substitutes only <c>DECK_</c> variables; the server does the same with its own environment.</summary>
    internal static string? DeckEnvironment(string name) =>
        name.StartsWith("DECK_", StringComparison.Ordinal) ? Environment.GetEnvironmentVariable(name) : null;

    private static ConsumerGroup KeepMembers(ConsumerGroup group, GatewayConfig current) =>
        group with { Consumers = current.FindConsumerGroup(group.Id.ToString())?.Consumers ?? [] };

    /// <summary>
    /// Kong's PATCH (update the fields given) and PUT (create or replace whole, by id or by name: the name in the
    /// key fills <paramref name="nameField"/>), keeping the id and creation time of what is replaced.
    /// </summary>
    private Task<T?> UpsertAsync<T>(
        string key, JsonObject body, bool replace,
        Func<GatewayConfig, string, T?> find, string nameField,
        Func<JsonObject, T?, Guid, GatewayConfig, List<ConfigError>, T> read,
        Func<T, long, T> withCreatedAt,
        Func<GatewayConfig, T?, T, GatewayConfig> store,
        CancellationToken cancellationToken)
        where T : class, IGatewayEntity =>
        WriteAsync<T?>(body, (body, current, errors) =>
        {
            var existing = find(current, key);
            if (existing is null && !replace)
            {
                return (current, null);
            }

            // A PUT by name names the entity, creating or replacing it; a body without the name keeps it (Kong does the same).
            var isId = Guid.TryParse(key, out var parsed);
            if (!isId && (existing is null || replace))
            {
                body[nameField] ??= key;
            }

            var id = existing?.Id ?? (isId ? parsed : Guid.NewGuid());
            var entity = withCreatedAt(read(body, replace ? null : existing, id, current, errors), existing?.CreatedAt ?? Now());
            return (store(current, existing, entity), entity);
        }, cancellationToken);

    /// <summary>
    /// Builds the change from a copy of the body and stores it. <paramref name="build"/> returns the next config and
    /// the answer; any field error it collected refuses the change before the store is touched.
    /// </summary>
    private async Task<T> WriteAsync<T>(
        JsonObject body, Func<JsonObject, GatewayConfig, List<ConfigError>, (GatewayConfig Next, T Answer)> build, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        T answer = default!;
        await config.ChangeAsync(current =>
        {
            var errors = new List<ConfigError>();
            var (next, result) = build((JsonObject)body.DeepClone(), current, errors);
            if (errors.Count > 0)
            {
                throw new GatewayConfigException(errors);
            }

            answer = result;
            return next;
        }, cancellationToken);
        return answer;
    }

    /// <summary>Applies <paramref name="remove"/> (null: nothing to delete) and answers whether something was deleted.</summary>
    private async Task<bool> DeleteAsync(Func<GatewayConfig, GatewayConfig?> remove, CancellationToken cancellationToken)
    {
        var found = true;
        await config.ChangeAsync(current =>
        {
            var next = remove(current);
            found = next is not null;
            return next ?? current;
        }, cancellationToken);
        return found;
    }

    private static ImmutableArray<T> Replace<T>(ImmutableArray<T> items, T? existing, T replacement)
        where T : class, IGatewayEntity => existing is null ? items.Add(replacement) : items.Replace(existing, replacement);

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();
}

/// <summary>A key-auth credential as stored, and its plain <paramref name="Key"/> when this change set it (shown once, never stored).</summary>
public sealed record KeyAuthChange(KeyAuthCredential Credential, string? Key);

/// <summary>A delete Kong refuses because another entity still points at the one being deleted; nothing changed.</summary>
public sealed class GatewayDeleteRefusedException(string message, string referencedBy) : Exception(message)
{
    /// <summary>The kind of entity that still refers to it (Kong's <c>@referenced_by</c>), e.g. <c>routes</c>.</summary>
    public string ReferencedBy { get; } = referencedBy;
}
