using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Storage;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// Turns the drafts of a file into the config it declares. Entities keep the ids and times of the existing entities
/// they match, so applying the same file twice, or a dump of the config, changes nothing: an id written in the file
/// wins; otherwise services, routes and consumer groups match by name, consumers by username then custom_id,
/// credentials by key hash within their consumer, and plugins by name, scope and instance_name. An existing entity
/// is matched at most once; anything unmatched gets a new id.
/// </summary>
internal sealed class DeclarativeBuilder(GatewayConfig existing, long now, List<ConfigError> errors)
{
    private static readonly Times<Service> ServiceTimes = new(
        static s => (s.CreatedAt, s.UpdatedAt), static (s, created, updated) => s with { CreatedAt = created, UpdatedAt = updated }, SameJson(GatewayJson.Default.Service));

    // The order of a route's headers carries no meaning, so a reordering is not a change.
    private static readonly Times<Route> RouteTimes = new(
        static r => (r.CreatedAt, r.UpdatedAt),
        static (r, created, updated) => r with { CreatedAt = created, UpdatedAt = updated },
        static (a, b) => SameJson(GatewayJson.Default.Route)(a with { Headers = SortedHeaders(a) }, b with { Headers = SortedHeaders(b) }));

    private static readonly Times<Consumer> ConsumerTimes = new(
        static c => (c.CreatedAt, c.UpdatedAt), static (c, created, updated) => c with { CreatedAt = created, UpdatedAt = updated }, SameJson(GatewayJson.Default.Consumer));

    // Member order carries no meaning, so a reordering is not a change.
    private static readonly Times<ConsumerGroup> GroupTimes = new(
        static g => (g.CreatedAt, g.UpdatedAt),
        static (g, created, updated) => g with { CreatedAt = created, UpdatedAt = updated },
        static (a, b) => SameJson(GatewayJson.Default.ConsumerGroup)(a with { Consumers = [.. a.Consumers.Order()] }, b with { Consumers = [.. b.Consumers.Order()] }));

    // Nor does the order of a plugin config's keys.
    private static readonly Times<Plugin> PluginTimes = new(
        static p => (p.CreatedAt, p.UpdatedAt),
        static (p, created, updated) => p with { CreatedAt = created, UpdatedAt = updated },
        static (a, b) => JsonNode.DeepEquals(a.Config, b.Config) && SameJson(GatewayJson.Default.Plugin)(a with { Config = [] }, b with { Config = [] }));

    /// <summary>For each way <see cref="ConfigValidator"/> names an entity, how this file names it.</summary>
    private readonly Dictionary<string, List<FileName>> _fileNames = new(StringComparer.Ordinal);

    public GatewayConfig Build(DeclarativeReader file)
    {
        var serviceMatches = Match(file.Services, existing.Services, static s => s.Id, new Identity<ServiceDraft, Service>(static d => d.Value.Name, static s => s.Name));
        var routeMatches = Match(file.Routes, existing.Routes, static r => r.Id, new Identity<RouteDraft, Route>(static d => d.Value.Name, static r => r.Name));
        var consumerMatches = Match(
            file.Consumers,
            existing.Consumers,
            static c => c.Id,
            new Identity<ConsumerDraft, Consumer>(static d => d.Value.Username, static c => c.Username),
            new Identity<ConsumerDraft, Consumer>(static d => d.Value.CustomId, static c => c.CustomId));
        var groupMatches = Match(
            file.ConsumerGroups,
            existing.ConsumerGroups,
            static g => g.Id,
            new Identity<ConsumerGroupDraft, ConsumerGroup>(static d => d.Value.Name.Length > 0 ? d.Value.Name : null, static g => g.Name));

        // References resolve against the file's entities, by their settled ids or their names.
        var serviceIndex = new DraftIndex<ServiceDraft>(file.Services, static s => s.Value.Name);
        var routeIndex = new DraftIndex<RouteDraft>(file.Routes, static r => r.Value.Name);
        var consumerIndex = new DraftIndex<ConsumerDraft>(file.Consumers, static c => c.Value.Username, static c => c.Value.CustomId);
        var groupIndex = new DraftIndex<ConsumerGroupDraft>(file.ConsumerGroups, static g => g.Value.Name);

        var services = new List<Service>();
        foreach (var draft in file.Services)
        {
            NameAs("service", draft.Value.Name, draft);
            services.Add(Stamp(draft.Value with { Id = draft.Id }, serviceMatches.GetValueOrDefault(draft), ServiceTimes));
        }

        var routes = new List<Route>();
        foreach (var draft in file.Routes)
        {
            NameAs("route", draft.Value.Name, draft);
            var service = draft.Parent ?? (draft.ServiceReference is { } reference ? Resolve(serviceIndex, reference, "service", draft.Description) : null);
            routes.Add(Stamp(draft.Value with { Id = draft.Id, Service = service is null ? null : new EntityRef(service.Id) }, routeMatches.GetValueOrDefault(draft), RouteTimes));
        }

        var consumers = new List<Consumer>();
        foreach (var draft in file.Consumers)
        {
            NameAs("consumer", draft.Value.Username ?? draft.Value.CustomId, draft);
            consumers.Add(Stamp(draft.Value with { Id = draft.Id }, consumerMatches.GetValueOrDefault(draft), ConsumerTimes));
        }

        var config = new GatewayConfig
        {
            Services = [.. services],
            Routes = [.. routes],
            Consumers = [.. consumers],
            KeyAuthCredentials = Credentials(file.Consumers),
            ConsumerGroups = Groups(file, groupMatches, consumerIndex, groupIndex),
            Plugins = Plugins(file, serviceIndex, routeIndex, consumerIndex, groupIndex),
            Version = existing.Version,
        };
        return CanonicalOrder.Apply(config);
    }

    /// <summary>
    /// The validator's errors, named as the file names the entities. An error about a field this file already
    /// reported (a wrong type, read as the default), or about a part or the whole of it, is dropped: it would only
    /// repeat the first one. So are config errors of a plugin whose config could not be read.
    /// </summary>
    public List<ConfigError> NameAsInFile(IReadOnlyList<ConfigError> validation)
    {
        var reported = errors.ToLookup(error => error.Entity, error => error.Field, StringComparer.Ordinal);
        var named = new List<ConfigError>();
        foreach (var error in validation)
        {
            if (!_fileNames.TryGetValue(error.Entity, out var candidates))
            {
                named.Add(error);
                continue;
            }

            if (candidates.Any(c => c.ConfigUnreadable) && IsConfig(error.Field))
            {
                continue;
            }

            var mapped = candidates.Select(c => new ConfigError(c.Entity, c.FieldPrefix + error.Field, error.Message)).Distinct().ToList();
            if (mapped.Any(m => reported[m.Entity].Any(field => SameLineage(field, m.Field))))
            {
                continue;
            }

            // Entities the validator cannot tell apart (two 'key-auth' plugins on different routes) keep its name.
            named.Add(mapped.Count == 1 ? mapped[0] : error);
        }

        return named;
    }

    /// <summary>Settles each draft's id and finds the existing entity it continues, if any.</summary>
    private static Dictionary<TDraft, TEntity> Match<TDraft, TEntity>(
        List<TDraft> drafts,
        ImmutableArray<TEntity> current,
        Func<TEntity, Guid> idOf,
        params Identity<TDraft, TEntity>[] identities)
        where TDraft : Draft
        where TEntity : class
    {
        var matches = new Dictionary<TDraft, TEntity>();
        var claimed = new HashSet<Guid>();
        var byId = new Dictionary<Guid, TEntity>();
        foreach (var entity in current)
        {
            byId.TryAdd(idOf(entity), entity);
        }

        // Ids written in the file are settled first, so that matching by name cannot hand one of them to another entry.
        foreach (var draft in drafts.Where(d => d.ExplicitId is not null))
        {
            draft.Id = draft.ExplicitId!.Value;
            if (claimed.Add(draft.Id) && byId.TryGetValue(draft.Id, out var same))
            {
                matches[draft] = same;
            }
        }

        // Each identity's existing entities, in config order, waiting to be claimed.
        var waiting = identities.Select(identity => current
            .Where(entity => identity.OfEntity(entity) is not null)
            .GroupBy(entity => identity.OfEntity(entity)!, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => new Queue<TEntity>(group), StringComparer.Ordinal)).ToList();
        foreach (var draft in drafts.Where(d => d.ExplicitId is null))
        {
            TEntity? match = null;
            for (var i = 0; i < identities.Length && match is null; i++)
            {
                if (identities[i].OfDraft(draft) is { } key && waiting[i].TryGetValue(key, out var candidates))
                {
                    while (candidates.Count > 0 && claimed.Contains(idOf(candidates.Peek())))
                    {
                        candidates.Dequeue();
                    }

                    match = candidates.Count > 0 ? candidates.Dequeue() : null;
                }
            }

            draft.Id = match is null ? Guid.NewGuid() : idOf(match);
            claimed.Add(draft.Id);
            if (match is not null)
            {
                matches[draft] = match;
            }
        }

        return matches;
    }

    private ImmutableArray<KeyAuthCredential> Credentials(List<ConsumerDraft> consumers)
    {
        var current = existing.KeyAuthCredentials;
        var byId = new Dictionary<Guid, KeyAuthCredential>();
        foreach (var credential in current)
        {
            byId.TryAdd(credential.Id, credential);
        }

        var byConsumer = current.OrderBy(k => k.CreatedAt).ThenBy(k => k.Id).ToLookup(k => k.Consumer.Id);
        var claimed = new HashSet<Guid>();
        var settled = new Dictionary<CredentialDraft, (Guid Id, KeyAuthCredential? Match)>();
        var all = consumers.SelectMany(c => c.Credentials.Select(k => (Consumer: c, Credential: k))).ToList();
        foreach (var (_, credential) in all.Where(x => x.Credential.ExplicitId is not null))
        {
            var id = credential.ExplicitId!.Value;
            settled[credential] = (id, claimed.Add(id) ? byId.GetValueOrDefault(id) : null);
        }

        // Keys written in the file claim their credentials before keyless entries take what is left.
        foreach (var (consumer, credential) in all.Where(x => x.Credential.ExplicitId is null && x.Credential.KeyHash is not null))
        {
            var match = byConsumer[consumer.Id].FirstOrDefault(k => !claimed.Contains(k.Id) && k.KeyHash == credential.KeyHash);
            settled[credential] = (match?.Id ?? Guid.NewGuid(), match);
            claimed.Add(settled[credential].Id);
        }

        // A credential written without a key keeps a key its consumer already has, so that applying the file again
        // does not rotate the key; only when there is none is one generated, as Kong does.
        foreach (var (consumer, credential) in all.Where(x => x.Credential.ExplicitId is null && x.Credential.KeyHash is null))
        {
            var match = byConsumer[consumer.Id].FirstOrDefault(k => !claimed.Contains(k.Id));
            settled[credential] = (match?.Id ?? Guid.NewGuid(), match);
            claimed.Add(settled[credential].Id);
        }

        var built = ImmutableArray.CreateBuilder<KeyAuthCredential>(all.Count);
        foreach (var (consumer, credential) in all)
        {
            var (id, match) = settled[credential];
            var (hash, hint) = KeyOf(credential, match);
            built.Add(new KeyAuthCredential
            {
                Id = id,
                CreatedAt = match?.CreatedAt ?? now,
                Consumer = new EntityRef(consumer.Id),
                KeyHash = hash,
                KeyHint = hint,
                Tags = credential.Tags,
                Ttl = credential.Ttl,
            });
            NameAs($"key-auth credential {id}", new FileName(consumer.Description, credential.Field + ".", false));
        }

        return built.MoveToImmutable();
    }

    /// <summary>The stored key: the file's, else the matched credential's, else a new one.</summary>
    private static (string Hash, string Hint) KeyOf(CredentialDraft credential, KeyAuthCredential? match)
    {
        if (credential.KeyHash is { } hash)
        {
            // A hash (from a dump) tells nothing of the key's first characters; the credential it matches remembers them.
            var hint = credential.KeyHint ?? (match?.KeyHash == hash ? match.KeyHint : KeyAuthKeys.Hint(string.Empty));
            return (hash, hint);
        }

        if (match is not null)
        {
            return (match.KeyHash, match.KeyHint);
        }

        var key = KeyAuthKeys.Generate();
        return (KeyAuthKeys.Hash(key), KeyAuthKeys.Hint(key));
    }

    /// <summary>Groups with their members, whether the group lists them or the consumers name the group.</summary>
    private ImmutableArray<ConsumerGroup> Groups(
        DeclarativeReader file,
        Dictionary<ConsumerGroupDraft, ConsumerGroup> matches,
        DraftIndex<ConsumerDraft> consumers,
        DraftIndex<ConsumerGroupDraft> groupIndex)
    {
        var members = file.ConsumerGroups.ToDictionary(g => g, _ => new HashSet<Guid>());
        foreach (var group in file.ConsumerGroups)
        {
            foreach (var reference in group.Members)
            {
                if (Resolve(consumers, reference, "consumer", group.Description) is { } consumer)
                {
                    members[group].Add(consumer.Id);
                }
            }
        }

        foreach (var consumer in file.Consumers)
        {
            foreach (var reference in consumer.Groups)
            {
                if (Resolve(groupIndex, reference, "consumer group", consumer.Description) is { } group)
                {
                    members[group].Add(consumer.Id);
                }
            }
        }

        var groups = new List<ConsumerGroup>();
        foreach (var draft in file.ConsumerGroups)
        {
            NameAs("consumer group", draft.Value.Name, draft);
            groups.Add(Stamp(draft.Value with { Id = draft.Id, Consumers = [.. members[draft]] }, matches.GetValueOrDefault(draft), GroupTimes));
        }

        return [.. groups];
    }

    private ImmutableArray<Plugin> Plugins(
        DeclarativeReader file,
        DraftIndex<ServiceDraft> services,
        DraftIndex<RouteDraft> routes,
        DraftIndex<ConsumerDraft> consumers,
        DraftIndex<ConsumerGroupDraft> groups)
    {
        var scoped = new Dictionary<PluginDraft, Plugin>();
        foreach (var draft in file.Plugins)
        {
            var service = Target(draft.Service, reference => Resolve(services, reference, "service", draft.Description));
            var route = Target(draft.Route, reference => Resolve(routes, reference, "route", draft.Description));
            var consumer = Target(draft.Consumer, reference => Resolve(consumers, reference, "consumer", draft.Description));
            var group = Target(draft.ConsumerGroup, reference => Resolve(groups, reference, "consumer group", draft.Description));

            // A plugin whose scope is not in the file is left out rather than applied more widely than written.
            if (service.Missing || route.Missing || consumer.Missing || group.Missing)
            {
                continue;
            }

            scoped[draft] = draft.Value with { Service = service.Ref, Route = route.Ref, Consumer = consumer.Ref, ConsumerGroup = group.Ref };
        }

        // Checked here, where the file's names are known, so that two 'ai-proxy' plugins' errors say which is which.
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (draft, plugin) in scoped)
        {
            if (!scopes.Add(ScopeKey(plugin)))
            {
                Report(draft.Description, "name", $"another '{plugin.Name}' plugin is declared for the same scope; Kong allows one per service, route, consumer and consumer group");
            }

            // A config with unreadable values is not what the file says, so its schema errors would mislead.
            foreach (var problem in PluginSchemas.Check(plugin).Where(p => !draft.ConfigUnreadable || !IsConfig(p.Field)))
            {
                Report(draft.Description, problem.Field, problem.Message);
            }
        }

        var drafts = scoped.Keys.ToList();
        var matches = Match(
            drafts,
            existing.Plugins,
            static p => p.Id,
            new Identity<PluginDraft, Plugin>(d => $"{ScopeKey(scoped[d])}|{d.Value.InstanceName}", static p => $"{ScopeKey(p)}|{p.InstanceName}"));
        var plugins = new List<Plugin>();
        foreach (var draft in drafts)
        {
            NameAs(ConfigValidator.Describe("plugin", draft.Value.InstanceName ?? draft.Value.Name, draft.Id), new FileName(draft.Description, string.Empty, draft.ConfigUnreadable));
            var previous = matches.GetValueOrDefault(draft);
            var plugin = scoped[draft] with { Id = draft.Id };
            var config = (JsonObject)plugin.Config.DeepClone();
            foreach (var field in PluginSecrets.Restore(plugin.Name, config, previous?.Config))
            {
                Report(draft.Description, field, PluginSecrets.UnresolvedMessage);
            }

            plugins.Add(Stamp(plugin with { Config = config }, previous, PluginTimes));
        }

        return [.. plugins];
    }

    private static string ScopeKey(Plugin plugin) =>
        $"{plugin.Name}|{plugin.Service?.Id}|{plugin.Route?.Id}|{plugin.Consumer?.Id}|{plugin.ConsumerGroup?.Id}";

    private static (EntityRef? Ref, bool Missing) Target(ScopeTarget? target, Func<Reference, Draft?> resolve)
    {
        if (target is null)
        {
            return (null, false);
        }

        var found = target.Parent ?? resolve(target.Reference!);
        return found is null ? (null, true) : (new EntityRef(found.Id), false);
    }

    private TDraft? Resolve<TDraft>(DraftIndex<TDraft> index, Reference reference, string kind, string owner)
        where TDraft : Draft
    {
        var found = reference.By switch
        {
            ReferenceBy.Id => index.ById(reference.Value),
            ReferenceBy.Name or ReferenceBy.Username => index.ByName(0, reference.Value),
            ReferenceBy.CustomId => index.ByName(1, reference.Value),
            _ => index.ById(reference.Value) ?? index.ByName(0, reference.Value) ?? index.ByName(1, reference.Value),
        };
        if (found is null)
        {
            Report(owner, reference.Field, $"{kind} '{reference.Value}' is not declared in this file");
        }

        return found;
    }

    /// <summary>
    /// The entity with its times: those of the entity it continues, with <c>updated_at</c> moved to now when its
    /// content changed; a new entity is created and updated now.
    /// </summary>
    private T Stamp<T>(T entity, T? match, Times<T> times)
        where T : class
    {
        if (match is null)
        {
            return times.Write(entity, now, now);
        }

        var (createdAt, updatedAt) = times.Read(match);
        var kept = times.Write(entity, createdAt, updatedAt);
        return times.Same(kept, match) ? kept : times.Write(entity, createdAt, now);
    }

    private static SortedDictionary<string, IReadOnlyList<string>>? SortedHeaders(Route route) =>
        route.Headers is null ? null : new(route.Headers.ToDictionary(), StringComparer.Ordinal);

    private static Func<T, T, bool> SameJson<T>(JsonTypeInfo<T> json) =>
        (a, b) => JsonSerializer.Serialize(a, json) == JsonSerializer.Serialize(b, json);

    /// <summary>Records that the validator's name for this entity stands for the file's.</summary>
    private void NameAs(string kind, string? name, Draft draft) =>
        NameAs(ConfigValidator.Describe(kind, name, draft.Id), new FileName(draft.Description, string.Empty, false));

    private void NameAs(string validatorName, FileName fileName)
    {
        if (!_fileNames.TryGetValue(validatorName, out var names))
        {
            _fileNames[validatorName] = names = [];
        }

        names.Add(fileName);
    }

    private void Report(string entity, string field, string message)
    {
        // One message per field: a field that is already wrong, in part or as a whole, needs no second reason.
        if (!errors.Any(error => error.Entity == entity && SameLineage(error.Field, field)))
        {
            errors.Add(new ConfigError(entity, field, message));
        }
    }

    /// <summary>Whether two field paths are one field or one holds the other (<c>paths</c> and <c>paths[0]</c>).</summary>
    private static bool SameLineage(string a, string b) => a == b || IsWithin(a, b) || IsWithin(b, a);

    private static bool IsConfig(string field) => SameLineage(field, "config");

    private static bool IsWithin(string field, string outer) =>
        field.Length > outer.Length && field.StartsWith(outer, StringComparison.Ordinal) && field[outer.Length] is '.' or '[';

    /// <summary>One way to recognise an existing entity: a key of the draft equal to the same key of the entity.</summary>
    private sealed record Identity<TDraft, TEntity>(Func<TDraft, string?> OfDraft, Func<TEntity, string?> OfEntity);

    /// <summary>The file's entities of one kind by settled id and by name (for consumers: username, then custom_id).</summary>
    private sealed class DraftIndex<TDraft>
        where TDraft : Draft
    {
        private readonly Dictionary<Guid, TDraft> _byId = [];
        private readonly Dictionary<string, TDraft>[] _byName;

        public DraftIndex(List<TDraft> drafts, params Func<TDraft, string?>[] names)
        {
            _byName = [.. names.Select(_ => new Dictionary<string, TDraft>(StringComparer.Ordinal))];
            foreach (var draft in drafts)
            {
                _byId.TryAdd(draft.Id, draft);
                for (var i = 0; i < names.Length; i++)
                {
                    if (names[i](draft) is { } name)
                    {
                        _byName[i].TryAdd(name, draft);
                    }
                }
            }
        }

        public TDraft? ById(string value) => Guid.TryParse(value, out var id) ? _byId.GetValueOrDefault(id) : null;

        public TDraft? ByName(int which, string value) => which < _byName.Length ? _byName[which].GetValueOrDefault(value) : null;
    }

    /// <summary>How the file names an entity the validator names otherwise, and where its fields sit.</summary>
    private sealed record FileName(string Entity, string FieldPrefix, bool ConfigUnreadable);

    /// <summary>How to read, write and compare an entity type's times and content.</summary>
    private sealed record Times<T>(Func<T, (long CreatedAt, long UpdatedAt)> Read, Func<T, long, long, T> Write, Func<T, T, bool> Same);
}
