using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tollgate.Server.Tests.Infrastructure;

/// <summary>
/// A plain HTTP upstream on loopback for the gateway's non-AI routes: it answers every request with a JSON echo
/// of what it received (method, path with query, headers, body), status 200 unless <c>?status=N</c> asks otherwise.
/// </summary>
public sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoUpstream(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<EchoUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var headers = new JsonObject();
            foreach (var (name, values) in http.Request.Headers)
            {
                headers[name.ToLowerInvariant()] = values.ToString();
            }

            var echo = new JsonObject
            {
                ["method"] = http.Request.Method,
                ["path"] = http.Request.Path.Value + http.Request.QueryString.Value,
                ["headers"] = headers,
                ["body"] = body,
            };
            http.Response.StatusCode = int.TryParse(http.Request.Query["status"], out var status) ? status : 200;
            http.Response.Headers["X-Echo"] = "yes";
            await http.Response.WriteAsJsonAsync(echo, http.RequestAborted);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EchoUpstream(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
