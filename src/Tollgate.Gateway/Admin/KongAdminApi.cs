using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Routing;
using Tollgate.Gateway.Storage;
using Route = Tollgate.Gateway.Entities.Route;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// The Kong Admin API subset on the admin listener: services, routes, consumers, key-auth credentials, consumer
/// groups and plugins, with Kong's paths, shapes and status codes. Every write is one change of the whole config:
/// validated as a whole, stored in one transaction, and in force on this node's proxy when the call returns.
/// </summary>
public static class KongAdminApi
{
    private const int DefaultPageSize = 100;

    public static IEndpointRouteBuilder MapKongAdminApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/services", (HttpContext http, GatewayConfigService config) => Page(http, config.Current.Services, KongJson.Default.KongPageService));
        routes.MapPost("/services", (HttpContext http, GatewayConfigService config, TimeProvider time) => CreateService(http, config, time));
        routes.MapGet("/services/{service}", (string service, GatewayConfigService config) =>
            config.Current.FindService(service) is { } found ? Results.Json(found, KongJson.Default.Service) : KongResults.NotFound());
        routes.MapMethods("/services/{service}", ["PATCH", "PUT"], (string service, HttpContext http, GatewayConfigService config, TimeProvider time) => UpdateService(service, http, config, time));
        routes.MapDelete("/services/{service}", (string service, GatewayConfigService config, CancellationToken ct) => DeleteService(service, config, ct));
        routes.MapGet("/services/{service}/routes", (string service, HttpContext http, GatewayConfigService config) =>
            config.Current.FindService(service) is { } found
                ? Page(http, [.. config.Current.Routes.Where(r => r.Service?.Id == found.Id)], KongJson.Default.KongPageRoute)
                : KongResults.NotFound());
        routes.MapPost("/services/{service}/routes", (string service, HttpContext http, GatewayConfigService config, TimeProvider time) =>
            config.Current.FindService(service) is { } found ? CreateRoute(http, config, time, new EntityRef(found.Id)) : Task.FromResult(KongResults.NotFound()));

        routes.MapGet("/routes", (HttpContext http, GatewayConfigService config) => Page(http, config.Current.Routes, KongJson.Default.KongPageRoute));
        routes.MapPost("/routes", (HttpContext http, GatewayConfigService config, TimeProvider time) => CreateRoute(http, config, time, null));
        routes.MapGet("/routes/{route}", (string route, GatewayConfigService config) =>
            config.Current.FindRoute(route) is { } found ? Results.Json(found, KongJson.Default.Route) : KongResults.NotFound());
        routes.MapMethods("/routes/{route}", ["PATCH", "PUT"], (string route, HttpContext http, GatewayConfigService config, TimeProvider time) => UpdateRoute(route, http, config, time));
        routes.MapDelete("/routes/{route}", (string route, GatewayConfigService config, CancellationToken ct) => DeleteRoute(route, config, ct));

        routes.MapGet("/consumers", (HttpContext http, GatewayConfigService config) => Page(http, config.Current.Consumers, KongJson.Default.KongPageConsumer));
        routes.MapPost("/consumers", (HttpContext http, GatewayConfigService config, TimeProvider time) => CreateConsumer(http, config, time));
        routes.MapGet("/consumers/{consumer}", (string consumer, GatewayConfigService config) =>
            config.Current.FindConsumer(consumer) is { } found ? Results.Json(found, KongJson.Default.Consumer) : KongResults.NotFound());
        routes.MapMethods("/consumers/{consumer}", ["PATCH", "PUT"], (string consumer, HttpContext http, GatewayConfigService config, TimeProvider time) => UpdateConsumer(consumer, http, config, time));
        routes.MapDelete("/consumers/{consumer}", (string consumer, GatewayConfigService config, CancellationToken ct) => DeleteConsumer(consumer, config, ct));

        routes.MapGet("/consumers/{consumer}/key-auth", (string consumer, HttpContext http, GatewayConfigService config) =>
            config.Current.FindConsumer(consumer) is { } found
                ? Page(http, [.. config.Current.KeyAuthCredentials.Where(c => c.Consumer.Id == found.Id).Select(c => KeyAuthView.From(c, null))], KongJson.Default.KongPageKeyAuthView)
                : KongResults.NotFound());
        routes.MapPost("/consumers/{consumer}/key-auth", (string consumer, HttpContext http, GatewayConfigService config, TimeProvider time) => CreateKeyAuth(consumer, http, config, time));
        routes.MapGet("/consumers/{consumer}/key-auth/{credential}", (string consumer, string credential, GatewayConfigService config) =>
            FindCredential(config.Current, consumer, credential) is { } found ? Results.Json(KeyAuthView.From(found, null), KongJson.Default.KeyAuthView) : KongResults.NotFound());
        routes.MapMethods("/consumers/{consumer}/key-auth/{credential}", ["PATCH", "PUT"], (string consumer, string credential, HttpContext http, GatewayConfigService config, TimeProvider time) =>
            UpdateKeyAuth(consumer, credential, http, config, time));
        routes.MapDelete("/consumers/{consumer}/key-auth/{credential}", (string consumer, string credential, GatewayConfigService config, CancellationToken ct) =>
            DeleteKeyAuth(consumer, credential, config, ct));
        routes.MapGet("/key-auths", (HttpContext http, GatewayConfigService config) =>
            Page(http, [.. config.Current.KeyAuthCredentials.Select(c => KeyAuthView.From(c, null))], KongJson.Default.KongPageKeyAuthView));

        routes.MapGet("/consumer_groups", (HttpContext http, GatewayConfigService config) =>
            Page(http, [.. config.Current.ConsumerGroups.Select(ConsumerGroupInfo.From)], KongJson.Default.KongPageConsumerGroupInfo));
        routes.MapPost("/consumer_groups", (HttpContext http, GatewayConfigService config, TimeProvider time) => CreateConsumerGroup(http, config, time));
        routes.MapGet("/consumer_groups/{group}", (string group, GatewayConfigService config) =>
            config.Current.FindConsumerGroup(group) is { } found ? Results.Json(GroupView(config.Current, found), KongJson.Default.ConsumerGroupView) : KongResults.NotFound());
        routes.MapMethods("/consumer_groups/{group}", ["PATCH", "PUT"], (string group, HttpContext http, GatewayConfigService config, TimeProvider time) => UpdateConsumerGroup(group, http, config, time));
        routes.MapDelete("/consumer_groups/{group}", (string group, GatewayConfigService config, CancellationToken ct) => DeleteConsumerGroup(group, config, ct));
        routes.MapGet("/consumer_groups/{group}/consumers", (string group, HttpContext http, GatewayConfigService config) =>
            config.Current.FindConsumerGroup(group) is { } found
                ? Page(http, [.. GroupView(config.Current, found).Consumers], KongJson.Default.KongPageConsumer)
                : KongResults.NotFound());
        routes.MapPost("/consumer_groups/{group}/consumers", (string group, HttpContext http, GatewayConfigService config, TimeProvider time) => AddGroupMembers(group, http, config, time));
        routes.MapDelete("/consumer_groups/{group}/consumers/{consumer}", (string group, string consumer, GatewayConfigService config, TimeProvider time, CancellationToken ct) =>
            RemoveGroupMember(group, consumer, config, time, ct));

        routes.MapGet("/plugins", (HttpContext http, GatewayConfigService config) => Page(http, [.. config.Current.Plugins.Select(PluginSecrets.Redact)], KongJson.Default.KongPagePlugin));
        routes.MapPost("/plugins", (HttpContext http, GatewayConfigService config, TimeProvider time) => CreatePlugin(http, config, time, new PluginScope()));
        routes.MapGet("/plugins/{plugin}", (string plugin, GatewayConfigService config) =>
            config.Current.FindPlugin(plugin) is { } found ? Results.Json(PluginSecrets.Redact(found), KongJson.Default.Plugin) : KongResults.NotFound());
        routes.MapMethods("/plugins/{plugin}", ["PATCH", "PUT"], (string plugin, HttpContext http, GatewayConfigService config, TimeProvider time) => UpdatePlugin(plugin, http, config, time));
        routes.MapDelete("/plugins/{plugin}", (string plugin, GatewayConfigService config, CancellationToken ct) => DeletePlugin(plugin, config, ct));
        MapScopedPlugins(routes, "/services/{scope}/plugins", (c, key) => c.FindService(key) is { } s ? new PluginScope(Service: new EntityRef(s.Id)) : null, p => p.Service?.Id);
        MapScopedPlugins(routes, "/routes/{scope}/plugins", (c, key) => c.FindRoute(key) is { } r ? new PluginScope(Route: new EntityRef(r.Id)) : null, p => p.Route?.Id);
        MapScopedPlugins(routes, "/consumers/{scope}/plugins", (c, key) => c.FindConsumer(key) is { } r ? new PluginScope(Consumer: new EntityRef(r.Id)) : null, p => p.Consumer?.Id);
        MapScopedPlugins(routes, "/consumer_groups/{scope}/plugins", (c, key) => c.FindConsumerGroup(key) is { } r ? new PluginScope(ConsumerGroup: new EntityRef(r.Id)) : null, p => p.ConsumerGroup?.Id);
        return routes;
    }

    private static void MapScopedPlugins(IEndpointRouteBuilder routes, string pattern, Func<GatewayConfig, string, PluginScope?> scopeOf, Func<Plugin, Guid?> scopeId)
    {
        routes.MapGet(pattern, (string scope, HttpContext http, GatewayConfigService config) =>
        {
            if (scopeOf(config.Current, scope) is not { } found)
            {
                return KongResults.NotFound();
            }

            var id = found.Service?.Id ?? found.Route?.Id ?? found.Consumer?.Id ?? found.ConsumerGroup?.Id;
            return Page(http, [.. config.Current.Plugins.Where(p => scopeId(p) == id).Select(PluginSecrets.Redact)], KongJson.Default.KongPagePlugin);
        });
        routes.MapPost(pattern, (string scope, HttpContext http, GatewayConfigService config, TimeProvider time) =>
            scopeOf(config.Current, scope) is { } found ? CreatePlugin(http, config, time, found) : Task.FromResult(KongResults.NotFound()));
    }

    private static Task<IResult> CreateService(HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Write(http, config, (body, current, errors) =>
        {
            var service = EntityReaders.ReadService(body, null, Guid.NewGuid(), Now(time), errors);
            return (current with { Services = current.Services.Add(service) }, Results.Json(service, KongJson.Default.Service, statusCode: StatusCodes.Status201Created));
        });

    private static Task<IResult> UpdateService(string key, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Upsert(key, http, config, time, static (c, k) => c.FindService(k), "name",
            (body, basis, id, current, errors) => EntityReaders.ReadService(body, basis, id, Now(time), errors),
            static (s, createdAt) => s with { CreatedAt = createdAt },
            static (c, existing, service) => c with { Services = Replace(c.Services, existing, service) },
            static s => Results.Json(s, KongJson.Default.Service));

    private static Task<IResult> UpdateRoute(string key, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Upsert(key, http, config, time, static (c, k) => c.FindRoute(k), "name",
            (body, basis, id, current, errors) => EntityReaders.ReadRoute(body, basis, id, Now(time), current, null, errors),
            static (r, createdAt) => r with { CreatedAt = createdAt },
            static (c, existing, route) => c with { Routes = Replace(c.Routes, existing, route) },
            static r => Results.Json(r, KongJson.Default.Route));

    private static Task<IResult> UpdateConsumer(string key, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Upsert(key, http, config, time, static (c, k) => c.FindConsumer(k), "username",
            (body, basis, id, current, errors) => EntityReaders.ReadConsumer(body, basis, id, Now(time), errors),
            static (c, createdAt) => c with { CreatedAt = createdAt },
            static (c, existing, consumer) => c with { Consumers = Replace(c.Consumers, existing, consumer) },
            static c => Results.Json(c, KongJson.Default.Consumer));

    // The members are not part of the body; a replace keeps them.
    private static Task<IResult> UpdateConsumerGroup(string key, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Upsert(key, http, config, time, static (c, k) => c.FindConsumerGroup(k), "name",
            (body, basis, id, current, errors) => KeepMembers(EntityReaders.ReadConsumerGroup(body, basis, id, Now(time), errors), current),
            static (g, createdAt) => g with { CreatedAt = createdAt },
            static (c, existing, group) => c with { ConsumerGroups = Replace(c.ConsumerGroups, existing, group) },
            static g => Results.Json(ConsumerGroupInfo.From(g), KongJson.Default.ConsumerGroupInfo));

    private static ConsumerGroup KeepMembers(ConsumerGroup group, GatewayConfig current) =>
        group with { Consumers = current.FindConsumerGroup(group.Id.ToString())?.Consumers ?? [] };

    /// <summary>
    /// Kong's PATCH (update the fields given) and PUT (create or replace whole, by id or by name: the name in the
    /// path fills <paramref name="nameField"/>), keeping the id and creation time of what is replaced.
    /// </summary>
    private static Task<IResult> Upsert<T>(
        string key, HttpContext http, GatewayConfigService config, TimeProvider time,
        Func<GatewayConfig, string, T?> find, string nameField,
        Func<JsonObject, T?, Guid, GatewayConfig, List<ConfigError>, T> read,
        Func<T, long, T> withCreatedAt,
        Func<GatewayConfig, T?, T, GatewayConfig> replace,
        Func<T, IResult> show)
        where T : class, IGatewayEntity =>
        Write(http, config, (body, current, errors) =>
        {
            var existing = find(current, key);
            var put = HttpMethods.IsPut(http.Request.Method);
            if (existing is null && !put)
            {
                return (current, KongResults.NotFound());
            }

            // A PUT by name names the entity, creating or replacing it; a body without the name keeps it (Kong does the same).
            var isId = Guid.TryParse(key, out var parsed);
            if (!isId && (existing is null || put))
            {
                body[nameField] ??= key;
            }

            var id = existing?.Id ?? (isId ? parsed : Guid.NewGuid());
            var entity = withCreatedAt(read(body, put ? null : existing, id, current, errors), existing?.CreatedAt ?? Now(time));
            return (replace(current, existing, entity), show(entity));
        });

    private static Task<IResult> DeleteService(string key, GatewayConfigService config, CancellationToken cancellationToken) =>
        Delete(config, current =>
        {
            if (current.FindService(key) is not { } service)
            {
                return null;
            }

            if (current.Routes.Any(r => r.Service?.Id == service.Id))
            {
                throw new DeleteRefused("an existing 'routes' entity references this 'services' entity", "routes");
            }

            return current with
            {
                Services = current.Services.Remove(service),
                Plugins = [.. current.Plugins.Where(p => p.Service?.Id != service.Id)],
            };
        }, cancellationToken);

    private static Task<IResult> CreateRoute(HttpContext http, GatewayConfigService config, TimeProvider time, EntityRef? service) =>
        Write(http, config, (body, current, errors) =>
        {
            var route = EntityReaders.ReadRoute(body, null, Guid.NewGuid(), Now(time), current, service, errors);
            return (current with { Routes = current.Routes.Add(route) }, Results.Json(route, KongJson.Default.Route, statusCode: StatusCodes.Status201Created));
        });

    private static Task<IResult> DeleteRoute(string key, GatewayConfigService config, CancellationToken cancellationToken) =>
        Delete(config, current => current.FindRoute(key) is { } route
            ? current with { Routes = current.Routes.Remove(route), Plugins = [.. current.Plugins.Where(p => p.Route?.Id != route.Id)] }
            : null, cancellationToken);

    private static Task<IResult> CreateConsumer(HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Write(http, config, (body, current, errors) =>
        {
            var consumer = EntityReaders.ReadConsumer(body, null, Guid.NewGuid(), Now(time), errors);
            return (current with { Consumers = current.Consumers.Add(consumer) }, Results.Json(consumer, KongJson.Default.Consumer, statusCode: StatusCodes.Status201Created));
        });

    private static Task<IResult> DeleteConsumer(string key, GatewayConfigService config, CancellationToken cancellationToken) =>
        Delete(config, current => current.FindConsumer(key) is { } consumer
            ? current with
            {
                Consumers = current.Consumers.Remove(consumer),
                KeyAuthCredentials = [.. current.KeyAuthCredentials.Where(c => c.Consumer.Id != consumer.Id)],
                Plugins = [.. current.Plugins.Where(p => p.Consumer?.Id != consumer.Id)],
                ConsumerGroups = [.. current.ConsumerGroups.Select(g => g.Consumers.Contains(consumer.Id) ? g with { Consumers = [.. g.Consumers.Where(c => c != consumer.Id)] } : g)],
            }
            : null, cancellationToken);

    private static KeyAuthCredential? FindCredential(GatewayConfig config, string consumer, string credential) =>
        config.FindConsumer(consumer) is { } owner && Guid.TryParse(credential, out var id)
            ? config.KeyAuthCredentials.FirstOrDefault(c => c.Id == id && c.Consumer.Id == owner.Id)
            : null;

    private static Task<IResult> CreateKeyAuth(string consumerKey, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Write(http, config, (body, current, errors) =>
        {
            if (current.FindConsumer(consumerKey) is not { } consumer)
            {
                return (current, KongResults.NotFound());
            }

            var credential = EntityReaders.ReadKeyAuth(body, null, Guid.NewGuid(), Now(time), consumer.Id, errors, out var key);
            return (current with { KeyAuthCredentials = current.KeyAuthCredentials.Add(credential) },
                Results.Json(KeyAuthView.From(credential, key), KongJson.Default.KeyAuthView, statusCode: StatusCodes.Status201Created));
        });

    private static Task<IResult> UpdateKeyAuth(string consumerKey, string credentialKey, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Write(http, config, (body, current, errors) =>
        {
            if (FindCredential(current, consumerKey, credentialKey) is not { } existing)
            {
                return (current, KongResults.NotFound());
            }

            var credential = EntityReaders.ReadKeyAuth(body, existing, existing.Id, Now(time), existing.Consumer.Id, errors, out var key);
            return (current with { KeyAuthCredentials = Replace(current.KeyAuthCredentials, existing, credential) },
                Results.Json(KeyAuthView.From(credential, key), KongJson.Default.KeyAuthView));
        });

    private static Task<IResult> DeleteKeyAuth(string consumerKey, string credentialKey, GatewayConfigService config, CancellationToken cancellationToken) =>
        Delete(config, current => FindCredential(current, consumerKey, credentialKey) is { } credential
            ? current with { KeyAuthCredentials = current.KeyAuthCredentials.Remove(credential) }
            : null, cancellationToken);

    private static ConsumerGroupView GroupView(GatewayConfig config, ConsumerGroup group) =>
        new(ConsumerGroupInfo.From(group), [.. config.Consumers.Where(c => group.Consumers.Contains(c.Id))]);

    private static Task<IResult> CreateConsumerGroup(HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Write(http, config, (body, current, errors) =>
        {
            var group = EntityReaders.ReadConsumerGroup(body, null, Guid.NewGuid(), Now(time), errors);
            return (current with { ConsumerGroups = current.ConsumerGroups.Add(group) },
                Results.Json(ConsumerGroupInfo.From(group), KongJson.Default.ConsumerGroupInfo, statusCode: StatusCodes.Status201Created));
        });

    private static Task<IResult> DeleteConsumerGroup(string key, GatewayConfigService config, CancellationToken cancellationToken) =>
        Delete(config, current => current.FindConsumerGroup(key) is { } group
            ? current with { ConsumerGroups = current.ConsumerGroups.Remove(group), Plugins = [.. current.Plugins.Where(p => p.ConsumerGroup?.Id != group.Id)] }
            : null, cancellationToken);

    /// <summary><c>POST /consumer_groups/{g}/consumers</c> with <c>{"consumer": "name-or-id"}</c> or a list of them.</summary>
    private static Task<IResult> AddGroupMembers(string key, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Write(http, config, (body, current, errors) =>
        {
            if (current.FindConsumerGroup(key) is not { } group)
            {
                return (current, KongResults.NotFound());
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

            var updated = group with { Consumers = [.. group.Consumers.Union(added.Select(c => c.Id))], UpdatedAt = Now(time) };
            return (current with { ConsumerGroups = Replace(current.ConsumerGroups, group, updated) },
                Results.Json(GroupView(current with { ConsumerGroups = [updated] }, updated), KongJson.Default.ConsumerGroupView, statusCode: StatusCodes.Status201Created));
        });

    private static Task<IResult> RemoveGroupMember(string key, string consumerKey, GatewayConfigService config, TimeProvider time, CancellationToken cancellationToken) =>
        Delete(config, current =>
            current.FindConsumerGroup(key) is { } group && current.FindConsumer(consumerKey) is { } consumer && group.Consumers.Contains(consumer.Id)
                ? current with { ConsumerGroups = Replace(current.ConsumerGroups, group, group with { Consumers = [.. group.Consumers.Where(c => c != consumer.Id)], UpdatedAt = Now(time) }) }
                : null, cancellationToken);

    private static Task<IResult> CreatePlugin(HttpContext http, GatewayConfigService config, TimeProvider time, PluginScope scope) =>
        Write(http, config, (body, current, errors) =>
        {
            var plugin = EntityReaders.ReadPlugin(body, null, null, Guid.NewGuid(), Now(time), current, scope, errors);
            return (current with { Plugins = current.Plugins.Add(plugin) }, Results.Json(PluginSecrets.Redact(plugin), KongJson.Default.Plugin, statusCode: StatusCodes.Status201Created));
        });

    private static Task<IResult> UpdatePlugin(string key, HttpContext http, GatewayConfigService config, TimeProvider time) =>
        Write(http, config, (body, current, errors) =>
        {
            var existing = current.FindPlugin(key);
            var put = HttpMethods.IsPut(http.Request.Method);
            if (existing is null && (!put || !Guid.TryParse(key, out _)))
            {
                return (current, KongResults.NotFound());
            }

            var plugin = EntityReaders.ReadPlugin(body, put ? null : existing, existing, existing?.Id ?? Guid.Parse(key), Now(time), current, new PluginScope(), errors) with
            {
                CreatedAt = existing?.CreatedAt ?? Now(time),
            };
            return (current with { Plugins = Replace(current.Plugins, existing, plugin) }, Results.Json(PluginSecrets.Redact(plugin), KongJson.Default.Plugin));
        });

    private static Task<IResult> DeletePlugin(string key, GatewayConfigService config, CancellationToken cancellationToken) =>
        Delete(config, current => current.FindPlugin(key) is { } plugin ? current with { Plugins = current.Plugins.Remove(plugin) } : null, cancellationToken);

    /// <summary>
    /// Reads the body, builds the change and stores it. <paramref name="build"/> returns the next config and the
    /// answer; any field error it collected refuses the change before the store is touched.
    /// </summary>
    private static async Task<IResult> Write(
        HttpContext http, GatewayConfigService config,
        Func<JsonObject, GatewayConfig, List<ConfigError>, (GatewayConfig Next, IResult Answer)> build)
    {
        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return KongResults.Error(StatusCodes.Status400BadRequest, new KongError(null, null, "Cannot parse JSON body", null));
        }

        IResult? answer = null;
        try
        {
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
            }, http.RequestAborted);
        }
        catch (GatewayConfigException rejection)
        {
            return KongResults.Rejected(rejection);
        }

        return answer!;
    }

    private static async Task<IResult> Delete(GatewayConfigService config, Func<GatewayConfig, GatewayConfig?> remove, CancellationToken cancellationToken)
    {
        var found = true;
        try
        {
            await config.ChangeAsync(current =>
            {
                var next = remove(current);
                found = next is not null;
                return next ?? current;
            }, cancellationToken);
        }
        catch (DeleteRefused refused)
        {
            return KongResults.Error(StatusCodes.Status400BadRequest, new KongError(4, "foreign key violation", refused.Message, new JsonObject { ["@referenced_by"] = refused.ReferencedBy }));
        }
        catch (GatewayConfigException rejection)
        {
            return KongResults.Rejected(rejection);
        }

        return found ? Results.NoContent() : KongResults.NotFound();
    }

    /// <summary>The body as JSON: a JSON object, or a form (Kong's curl examples) with <c>a.b</c> nesting and repeated or <c>[]</c> keys as arrays.</summary>
    internal static async Task<JsonObject?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            var root = new JsonObject();
            foreach (var (rawKey, values) in form)
            {
                var isList = rawKey.EndsWith("[]", StringComparison.Ordinal);
                var parts = (isList ? rawKey[..^2] : rawKey).Split('.');
                var node = root;
                for (var i = 0; i < parts.Length - 1; i++)
                {
                    if (node[parts[i]] is not JsonObject child)
                    {
                        child = [];
                        node[parts[i]] = child;
                    }

                    node = child;
                }

                node[parts[^1]] = isList || values.Count > 1
                    ? new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))])
                    : JsonValue.Create(values[0]);
            }

            return root;
        }

        if (request.ContentLength == 0)
        {
            return [];
        }

        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
            return node as JsonObject ?? (node is null ? [] : null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One page of <paramref name="items"/>, filtered by <c>tags</c> (<c>a,b</c> all of, <c>a/b</c> any of), from <c>offset</c> for <c>size</c>.</summary>
    private static IResult Page<T>(HttpContext http, IReadOnlyList<T> items, System.Text.Json.Serialization.Metadata.JsonTypeInfo<KongPage<T>> json)
    {
        var query = http.Request.Query;
        var size = int.TryParse(query["size"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var requested) ? Math.Clamp(requested, 1, 1000) : DefaultPageSize;
        var start = int.TryParse(query["offset"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var offset) ? Math.Max(offset, 0) : 0;
        IEnumerable<T> filtered = items;
        if (query["tags"].ToString() is { Length: > 0 } tags)
        {
            var any = tags.Contains('/', StringComparison.Ordinal);
            var wanted = tags.Split(any ? '/' : ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            filtered = items.Where(item => TagsOf(item) is { } have && (any ? wanted.Any(have.Contains) : wanted.All(have.Contains)));
        }

        var all = filtered.ToList();
        var page = all.Skip(start).Take(size).ToList();
        var next = start + size < all.Count ? (start + size).ToString(CultureInfo.InvariantCulture) : null;
        return Results.Json(new KongPage<T>(page, next is null ? null : $"{http.Request.Path}?offset={next}&size={size}", next), json);
    }

    private static IReadOnlyList<string>? TagsOf<T>(T item) => item switch
    {
        Service s => s.Tags,
        Route r => r.Tags,
        Consumer c => c.Tags,
        Plugin p => p.Tags,
        KeyAuthView k => k.Tags,
        ConsumerGroupInfo g => g.Tags,
        _ => null,
    };

    private static ImmutableArray<T> Replace<T>(ImmutableArray<T> items, T? existing, T replacement)
        where T : class, IGatewayEntity => existing is null ? items.Add(replacement) : items.Replace(existing, replacement);

    private static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A delete Kong refuses because another entity still points at the one being deleted.</summary>
    private sealed class DeleteRefused(string message, string referencedBy) : Exception(message)
    {
        public string ReferencedBy { get; } = referencedBy;
    }
}
