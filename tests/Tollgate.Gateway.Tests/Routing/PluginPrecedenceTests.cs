using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Routing;

namespace Tollgate.Gateway.Tests.Routing;

/// <summary>
/// Which of several plugins of one name applies to a route, as Kong decides it: on the route and its service, then on
/// the route alone, then on the service, then global, whatever order the config lists them in.
/// </summary>
public sealed class PluginPrecedenceTests
{
    private static readonly Service Api = new() { Id = Guid.NewGuid(), Name = "api", Protocol = "http", Host = "127.0.0.1", Port = 9 };
    private static readonly Route Chat = new() { Id = Guid.NewGuid(), Name = "chat", Paths = ["/chat"], Service = new EntityRef(Api.Id) };

    private static Plugin KeyAuth(string keyName, Route? route = null, Service? service = null) => new()
    {
        Id = Guid.NewGuid(),
        Name = PluginSchemas.KeyAuth,
        Route = route is null ? null : new EntityRef(route.Id),
        Service = service is null ? null : new EntityRef(service.Id),
        Config = new JsonObject { ["key_names"] = new JsonArray(keyName) },
    };

    private static string? KeyNameOf(params Plugin[] plugins)
    {
        var snapshot = ProxySnapshot.Build(new GatewayConfig { Services = [Api], Routes = [Chat], Plugins = [.. plugins] });
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Path = "/chat";
        var route = snapshot.Match(http.Request, out _);
        Assert.NotNull(route);
        return route.KeyAuth?.KeyNames.Single();
    }

    [Fact]
    public void The_most_specific_scope_wins_in_any_list_order()
    {
        Plugin[] all = [KeyAuth("global"), KeyAuth("service", service: Api), KeyAuth("route", route: Chat), KeyAuth("route-and-service", Chat, Api)];
        Assert.Equal("route-and-service", KeyNameOf(all));
        Assert.Equal("route-and-service", KeyNameOf([.. all.Reverse()]));
        Assert.Equal("route", KeyNameOf(all[..3]));
        Assert.Equal("route", KeyNameOf([.. all[..3].Reverse()]));
        Assert.Equal("service", KeyNameOf(all[..2]));
        Assert.Equal("service", KeyNameOf([.. all[..2].Reverse()]));
        Assert.Equal("global", KeyNameOf(all[0]));
        Assert.Null(KeyNameOf());
    }

    [Fact]
    public void A_plugin_on_the_route_with_another_service_does_not_apply()
    {
        var other = Api with { Id = Guid.NewGuid(), Name = "other" };
        Assert.Equal("global", KeyNameOf(KeyAuth("global"), KeyAuth("elsewhere", Chat, other)));
    }
}
