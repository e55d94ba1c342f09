using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway.Storage;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Kong's <c>/config</c>: <c>POST</c> replaces the whole gateway config with a declarative file (decK format 3.0,
/// YAML or JSON), atomically; <c>GET</c> answers the current config as such a file.
/// </summary>
internal static class DeclarativeApi
{
    public static IEndpointRouteBuilder MapDeclarativeApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/config", ApplyAsync);
        routes.MapGet("/config", (GatewayEntities entities) =>
            Results.Json(new JsonObject { ["config"] = entities.DumpDeclarative() }, KongJson.Default.JsonObject));
        return routes;
    }

    private static async Task<IResult> ApplyAsync(HttpContext http, GatewayEntities entities)
    {
        var text = await ReadConfigTextAsync(http.Request, http.RequestAborted);
        if (string.IsNullOrWhiteSpace(text))
        {
            return KongResults.Error(StatusCodes.Status400BadRequest, new KongError(14, "invalid declarative configuration", "expected a declarative configuration in the body (YAML or JSON), or in a 'config' field", null));
        }

        try
        {
            var applied = await entities.ApplyDeclarativeAsync(text, http.RequestAborted);
            return Results.Json(new JsonObject
            {
                ["version"] = applied.Version,
                ["services"] = applied.Services.Length,
                ["routes"] = applied.Routes.Length,
                ["consumers"] = applied.Consumers.Length,
                ["keyauth_credentials"] = applied.KeyAuthCredentials.Length,
                ["consumer_groups"] = applied.ConsumerGroups.Length,
                ["plugins"] = applied.Plugins.Length,
            }, KongJson.Default.JsonObject, statusCode: StatusCodes.Status201Created);
        }
        catch (GatewayConfigException rejection)
        {
            var flattened = new JsonArray();
            foreach (var group in rejection.Errors.GroupBy(e => e.Entity))
            {
                flattened.Add(new JsonObject
                {
                    ["entity_name"] = group.Key,
                    ["errors"] = new JsonArray([.. group.Select(e => (JsonNode)new JsonObject { ["field"] = e.Field, ["message"] = e.Message })]),
                });
            }

            var message = "declarative config is invalid: " + string.Join("; ", rejection.Errors.Select(e => e.ToString()));
            return Results.Json(new JsonObject
            {
                ["code"] = 14,
                ["name"] = "invalid declarative configuration",
                ["message"] = message,
                ["flattened_errors"] = flattened,
            }, KongJson.Default.JsonObject, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>The file: the raw body (YAML or JSON), a form's <c>config</c> field, or a JSON body's <c>config</c> string (Kong's shapes).</summary>
    private static async Task<string?> ReadConfigTextAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            if (form.Files.GetFile("config") is { } file)
            {
                using var fileReader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
                return await fileReader.ReadToEndAsync(cancellationToken);
            }

            return form["config"].ToString();
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            try
            {
                if (JsonNode.Parse(text) is JsonObject body && !body.ContainsKey("_format_version") && body["config"] is JsonValue inner && inner.TryGetValue<string>(out var wrapped))
                {
                    return wrapped;
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: the parser reports it with a line and column.
            }
        }

        return text;
    }
}
