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
        routes.MapPost("/services", (HttpContext http, GatewayEntities entities) => CreateService(http, entities));
        routes.MapGet("/services/{service}", (string service, GatewayConfigService config) =>
            config.Current.FindService(service) is { } found ? Results.Json(found, KongJson.Default.Service) : KongResults.NotFound());
        routes.MapMethods("/services/{service}", ["PATCH", "PUT"], (string service, HttpContext http, GatewayEntities entities) => UpdateService(service, http, entities));
        routes.MapDelete("/services/{service}", (string service, GatewayEntities entities, CancellationToken ct) => Delete(() => entities.DeleteServiceAsync(service, ct)));
        routes.MapGet("/services/{service}/routes", (string service, HttpContext http, GatewayConfigService config) =>
            config.Current.FindService(service) is { } found
                ? Page(http, [.. config.Current.Routes.Where(r => r.Service?.Id == found.Id)], KongJson.Default.KongPageRoute)
                : KongResults.NotFound());
        routes.MapPost("/services/{service}/routes", (string service, HttpContext http, GatewayEntities entities) =>
            entities.Current.FindService(service) is { } found ? CreateRoute(http, entities, new EntityRef(found.Id)) : Task.FromResult(KongResults.NotFound()));

        routes.MapGet("/routes", (HttpContext http, GatewayConfigService config) => Page(http, config.Current.Routes, KongJson.Default.KongPageRoute));
        routes.MapPost("/routes", (HttpContext http, GatewayEntities entities) => CreateRoute(http, entities, null));
        routes.MapGet("/routes/{route}", (string route, GatewayConfigService config) =>
            config.Current.FindRoute(route) is { } found ? Results.Json(found, KongJson.Default.Route) : KongResults.NotFound());
        routes.MapMethods("/routes/{route}", ["PATCH", "PUT"], (string route, HttpContext http, GatewayEntities entities) => UpdateRoute(route, http, entities));
        routes.MapDelete("/routes/{route}", (string route, GatewayEntities entities, CancellationToken ct) => Delete(() => entities.DeleteRouteAsync(route, ct)));

        routes.MapGet("/consumers", (HttpContext http, GatewayConfigService config) => Page(http, config.Current.Consumers, KongJson.Default.KongPageConsumer));
        routes.MapPost("/consumers", (HttpContext http, GatewayEntities entities) => CreateConsumer(http, entities));
        routes.MapGet("/consumers/{consumer}", (string consumer, GatewayConfigService config) =>
            config.Current.FindConsumer(consumer) is { } found ? Results.Json(found, KongJson.Default.Consumer) : KongResults.NotFound());
        routes.MapMethods("/consumers/{consumer}", ["PATCH", "PUT"], (string consumer, HttpContext http, GatewayEntities entities) => UpdateConsumer(consumer, http, entities));
        routes.MapDelete("/consumers/{consumer}", (string consumer, GatewayEntities entities, CancellationToken ct) => Delete(() => entities.DeleteConsumerAsync(consumer, ct)));

        routes.MapGet("/consumers/{consumer}/key-auth", (string consumer, HttpContext http, GatewayConfigService config) =>
            config.Current.FindConsumer(consumer) is { } found
                ? Page(http, [.. config.Current.KeyAuthCredentials.Where(c => c.Consumer.Id == found.Id).Select(c => KeyAuthView.From(c, null))], KongJson.Default.KongPageKeyAuthView)
                : KongResults.NotFound());
        routes.MapPost("/consumers/{consumer}/key-auth", (string consumer, HttpContext http, GatewayEntities entities) => CreateKeyAuth(consumer, http, entities));
        routes.MapGet("/consumers/{consumer}/key-auth/{credential}", (string consumer, string credential, GatewayConfigService config) =>
            GatewayEntities.FindCredential(config.Current, consumer, credential) is { } found ? Results.Json(KeyAuthView.From(found, null), KongJson.Default.KeyAuthView) : KongResults.NotFound());
        routes.MapMethods("/consumers/{consumer}/key-auth/{credential}", ["PATCH", "PUT"], (string consumer, string credential, HttpContext http, GatewayEntities entities) =>
            UpdateKeyAuth(consumer, credential, http, entities));
        routes.MapDelete("/consumers/{consumer}/key-auth/{credential}", (string consumer, string credential, GatewayEntities entities, CancellationToken ct) =>
            Delete(() => entities.DeleteKeyAuthAsync(consumer, credential, ct)));
        routes.MapGet("/key-auths", (HttpContext http, GatewayConfigService config) =>
            Page(http, [.. config.Current.KeyAuthCredentials.Select(c => KeyAuthView.From(c, null))], KongJson.Default.KongPageKeyAuthView));

        routes.MapGet("/consumer_groups", (HttpContext http, GatewayConfigService config) =>
            Page(http, [.. config.Current.ConsumerGroups.Select(ConsumerGroupInfo.From)], KongJson.Default.KongPageConsumerGroupInfo));
        routes.MapPost("/consumer_groups", (HttpContext http, GatewayEntities entities) => CreateConsumerGroup(http, entities));
        routes.MapGet("/consumer_groups/{group}", (string group, GatewayConfigService config) =>
            config.Current.FindConsumerGroup(group) is { } found ? Results.Json(GroupView(config.Current, found), KongJson.Default.ConsumerGroupView) : KongResults.NotFound());
        routes.MapMethods("/consumer_groups/{group}", ["PATCH", "PUT"], (string group, HttpContext http, GatewayEntities entities) => UpdateConsumerGroup(group, http, entities));
        routes.MapDelete("/consumer_groups/{group}", (string group, GatewayEntities entities, CancellationToken ct) => Delete(() => entities.DeleteConsumerGroupAsync(group, ct)));
        routes.MapGet("/consumer_groups/{group}/consumers", (string group, HttpContext http, GatewayConfigService config) =>
            config.Current.FindConsumerGroup(group) is { } found
                ? Page(http, [.. GroupView(config.Current, found).Consumers], KongJson.Default.KongPageConsumer)
                : KongResults.NotFound());
        routes.MapPost("/consumer_groups/{group}/consumers", (string group, HttpContext http, GatewayEntities entities) => AddGroupMembers(group, http, entities));
        routes.MapDelete("/consumer_groups/{group}/consumers/{consumer}", (string group, string consumer, GatewayEntities entities, CancellationToken ct) =>
            Delete(() => entities.RemoveGroupMemberAsync(group, consumer, ct)));

        routes.MapGet("/plugins", (HttpContext http, GatewayConfigService config) => Page(http, [.. config.Current.Plugins.Select(PluginSecrets.Redact)], KongJson.Default.KongPagePlugin));
        routes.MapPost("/plugins", (HttpContext http, GatewayEntities entities) => CreatePlugin(http, entities, new PluginScope()));
        routes.MapGet("/plugins/{plugin}", (string plugin, GatewayConfigService config) =>
            config.Current.FindPlugin(plugin) is { } found ? Results.Json(PluginSecrets.Redact(found), KongJson.Default.Plugin) : KongResults.NotFound());
        routes.MapMethods("/plugins/{plugin}", ["PATCH", "PUT"], (string plugin, HttpContext http, GatewayEntities entities) => UpdatePlugin(plugin, http, entities));
        routes.MapDelete("/plugins/{plugin}", (string plugin, GatewayEntities entities, CancellationToken ct) => Delete(() => entities.DeletePluginAsync(plugin, ct)));
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
        routes.MapPost(pattern, (string scope, HttpContext http, GatewayEntities entities) =>
            scopeOf(entities.Current, scope) is { } found ? CreatePlugin(http, entities, found) : Task.FromResult(KongResults.NotFound()));
    }

    private static Task<IResult> CreateService(HttpContext http, GatewayEntities entities) =>
        Write(http, async body => Results.Json(await entities.CreateServiceAsync(body, http.RequestAborted), KongJson.Default.Service, statusCode: StatusCodes.Status201Created));

    private static Task<IResult> UpdateService(string key, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.UpdateServiceAsync(key, body, IsPut(http), http.RequestAborted) is { } service
            ? Results.Json(service, KongJson.Default.Service)
            : KongResults.NotFound());

    private static Task<IResult> CreateRoute(HttpContext http, GatewayEntities entities, EntityRef? service) =>
        Write(http, async body => Results.Json(await entities.CreateRouteAsync(body, service, http.RequestAborted), KongJson.Default.Route, statusCode: StatusCodes.Status201Created));

    private static Task<IResult> UpdateRoute(string key, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.UpdateRouteAsync(key, body, IsPut(http), http.RequestAborted) is { } route
            ? Results.Json(route, KongJson.Default.Route)
            : KongResults.NotFound());

    private static Task<IResult> CreateConsumer(HttpContext http, GatewayEntities entities) =>
        Write(http, async body => Results.Json(await entities.CreateConsumerAsync(body, http.RequestAborted), KongJson.Default.Consumer, statusCode: StatusCodes.Status201Created));

    private static Task<IResult> UpdateConsumer(string key, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.UpdateConsumerAsync(key, body, IsPut(http), http.RequestAborted) is { } consumer
            ? Results.Json(consumer, KongJson.Default.Consumer)
            : KongResults.NotFound());

    private static Task<IResult> CreateKeyAuth(string consumer, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.CreateKeyAuthAsync(consumer, body, http.RequestAborted) is { } created
            ? Results.Json(KeyAuthView.From(created.Credential, created.Key), KongJson.Default.KeyAuthView, statusCode: StatusCodes.Status201Created)
            : KongResults.NotFound());

    private static Task<IResult> UpdateKeyAuth(string consumer, string credential, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.UpdateKeyAuthAsync(consumer, credential, body, http.RequestAborted) is { } changed
            ? Results.Json(KeyAuthView.From(changed.Credential, changed.Key), KongJson.Default.KeyAuthView)
            : KongResults.NotFound());

    private static ConsumerGroupView GroupView(GatewayConfig config, ConsumerGroup group) =>
        new(ConsumerGroupInfo.From(group), [.. config.Consumers.Where(c => group.Consumers.Contains(c.Id))]);

    private static Task<IResult> CreateConsumerGroup(HttpContext http, GatewayEntities entities) =>
        Write(http, async body => Results.Json(ConsumerGroupInfo.From(await entities.CreateConsumerGroupAsync(body, http.RequestAborted)), KongJson.Default.ConsumerGroupInfo, statusCode: StatusCodes.Status201Created));

    private static Task<IResult> UpdateConsumerGroup(string key, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.UpdateConsumerGroupAsync(key, body, IsPut(http), http.RequestAborted) is { } group
            ? Results.Json(ConsumerGroupInfo.From(group), KongJson.Default.ConsumerGroupInfo)
            : KongResults.NotFound());

    /// <summary><c>POST /consumer_groups/{g}/consumers</c> with <c>{"consumer": "name-or-id"}</c> or a list of them.</summary>
    private static Task<IResult> AddGroupMembers(string key, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.AddGroupMembersAsync(key, body, http.RequestAborted) is { } group
            ? Results.Json(GroupView(entities.Current, group), KongJson.Default.ConsumerGroupView, statusCode: StatusCodes.Status201Created)
            : KongResults.NotFound());

    private static Task<IResult> CreatePlugin(HttpContext http, GatewayEntities entities, PluginScope scope) =>
        Write(http, async body => Results.Json(PluginSecrets.Redact(await entities.CreatePluginAsync(body, scope, http.RequestAborted)), KongJson.Default.Plugin, statusCode: StatusCodes.Status201Created));

    private static Task<IResult> UpdatePlugin(string key, HttpContext http, GatewayEntities entities) =>
        Write(http, async body => await entities.UpdatePluginAsync(key, body, IsPut(http), http.RequestAborted) is { } plugin
            ? Results.Json(PluginSecrets.Redact(plugin), KongJson.Default.Plugin)
            : KongResults.NotFound());

    private static bool IsPut(HttpContext http) => HttpMethods.IsPut(http.Request.Method);

    /// <summary>Reads the body and runs the change; a refused change answers Kong's error.</summary>
    private static async Task<IResult> Write(HttpContext http, Func<JsonObject, Task<IResult>> change)
    {
        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return KongResults.Error(StatusCodes.Status400BadRequest, new KongError(null, null, "Cannot parse JSON body", null));
        }

        try
        {
            return await change(body);
        }
        catch (GatewayConfigException rejection)
        {
            return KongResults.Rejected(rejection);
        }
    }

    private static async Task<IResult> Delete(Func<Task<bool>> delete)
    {
        try
        {
            return await delete() ? Results.NoContent() : KongResults.NotFound();
        }
        catch (GatewayDeleteRefusedException refused)
        {
            return KongResults.Error(StatusCodes.Status400BadRequest, new KongError(4, "foreign key violation", refused.Message, new JsonObject { ["@referenced_by"] = refused.ReferencedBy }));
        }
        catch (GatewayConfigException rejection)
        {
            return KongResults.Rejected(rejection);
        }
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
}
