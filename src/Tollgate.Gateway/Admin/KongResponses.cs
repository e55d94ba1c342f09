using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Storage;

namespace Tollgate.Gateway.Admin;

/// <summary>Kong's list envelope: one page of entities and where the next one starts.</summary>
internal sealed record KongPage<T>(IReadOnlyList<T> Data, string? Next, string? Offset);

/// <summary>A key-auth credential as the admin API shows it: the key in full only in the answer that created it.</summary>
internal sealed record KeyAuthView(Guid Id, long CreatedAt, EntityRef Consumer, string Key, IReadOnlyList<string>? Tags, int? Ttl)
{
    public static KeyAuthView From(KeyAuthCredential credential, string? plainKey) =>
        new(credential.Id, credential.CreatedAt, credential.Consumer, plainKey ?? credential.KeyHint, credential.Tags, credential.Ttl);
}

/// <summary>A consumer group with its members, as <c>GET /consumer_groups/{g}</c> answers.</summary>
internal sealed record ConsumerGroupView(ConsumerGroupInfo ConsumerGroup, IReadOnlyList<Consumer> Consumers);

/// <summary>A consumer group without its member list (Kong's shape).</summary>
internal sealed record ConsumerGroupInfo(Guid Id, long CreatedAt, long UpdatedAt, string Name, IReadOnlyList<string>? Tags)
{
    public static ConsumerGroupInfo From(ConsumerGroup group) => new(group.Id, group.CreatedAt, group.UpdatedAt, group.Name, group.Tags);
}

/// <summary>Kong's error body.</summary>
internal sealed record KongError(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Fields);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(KongPage<Service>))]
[JsonSerializable(typeof(KongPage<Route>))]
[JsonSerializable(typeof(KongPage<Consumer>))]
[JsonSerializable(typeof(KongPage<KeyAuthView>))]
[JsonSerializable(typeof(KongPage<ConsumerGroupInfo>))]
[JsonSerializable(typeof(KongPage<Plugin>))]
[JsonSerializable(typeof(KeyAuthView))]
[JsonSerializable(typeof(ConsumerGroupView))]
[JsonSerializable(typeof(ConsumerGroupInfo))]
[JsonSerializable(typeof(KongError))]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(Route))]
[JsonSerializable(typeof(Consumer))]
[JsonSerializable(typeof(Plugin))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class KongJson : JsonSerializerContext;

/// <summary>Kong's status codes and error bodies for the admin API.</summary>
internal static class KongResults
{
    public static IResult NotFound() => Error(StatusCodes.Status404NotFound, new KongError(null, null, "Not found", null));

    public static IResult Error(int status, KongError error) => Results.Json(error, KongJson.Default.KongError, statusCode: status);

    /// <summary>
    /// A refused change: 409 for a uniqueness clash (code 5), 400 for a missing reference (code 4) or any other
    /// schema violation (code 2), with every field named as Kong nests them.
    /// </summary>
    public static IResult Rejected(GatewayConfigException rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var errors = rejection.Errors;
        if (errors.FirstOrDefault(e => e.Message.Contains("UNIQUE violation", StringComparison.Ordinal)) is { } unique)
        {
            return Error(StatusCodes.Status409Conflict, new KongError(5, "unique constraint violation", unique.Message, Fields([unique])));
        }

        if (errors.FirstOrDefault(e => e.Message.Contains("does not exist", StringComparison.Ordinal)) is { } reference)
        {
            return Error(StatusCodes.Status400BadRequest, new KongError(4, "foreign key violation", $"{reference.Entity}: {reference.Field}: {reference.Message}", Fields([reference])));
        }

        var message = errors.Count == 1
            ? $"schema violation ({errors[0].Field}: {errors[0].Message})"
            : $"{errors.Count} schema violations ({string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))})";
        return Error(StatusCodes.Status400BadRequest, new KongError(2, "schema violation", message, Fields(errors)));
    }

    // "config.route_type" becomes {"config": {"route_type": "..."}}, as Kong reports nested fields.
    private static JsonObject Fields(IEnumerable<ConfigError> errors)
    {
        var root = new JsonObject();
        foreach (var error in errors)
        {
            var parts = error.Field.Split('.');
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

            node[parts[^1]] = error.Message;
        }

        return root;
    }
}
