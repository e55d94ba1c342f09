using System.Text.Json.Nodes;
using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Builds entities from admin API bodies. A create starts from Kong's defaults, an update (PATCH) from the stored
/// entity, and the body's fields are laid over it; a replace (PUT) starts from the defaults again but keeps the id
/// and creation time.
/// </summary>
internal static class EntityReaders
{
    public static Service ReadService(JsonObject body, Service? basis, Guid id, long now, List<ConfigError> errors)
    {
        var entity = ConfigValidator.Describe("service", body["name"]?.ToString() ?? basis?.Name, id);
        var read = new FieldReader(body, entity, errors);
        var service = basis ?? new Service { Id = id, Host = string.Empty, CreatedAt = now };
        if (read.String("url", null) is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                read.Fail("url", "expected an absolute http or https URL");
            }
            else
            {
                service = service with
                {
                    Protocol = uri.Scheme,
                    Host = uri.Host,
                    Port = uri.Port,
                    Path = uri.AbsolutePath == "/" && !url.EndsWith('/') ? null : uri.AbsolutePath,
                };
            }
        }

        service = service with
        {
            Name = read.String("name", service.Name),
            Retries = read.Int("retries", service.Retries),
            Protocol = read.String("protocol", service.Protocol) ?? "http",
            Host = read.String("host", service.Host) ?? string.Empty,
            Port = read.Int("port", service.Port),
            Path = read.String("path", service.Path),
            ConnectTimeout = read.Int("connect_timeout", service.ConnectTimeout),
            ReadTimeout = read.Int("read_timeout", service.ReadTimeout),
            WriteTimeout = read.Int("write_timeout", service.WriteTimeout),
            Tags = read.Strings("tags", service.Tags),
            Enabled = read.Bool("enabled", service.Enabled),
            TlsVerify = read.NullableBool("tls_verify", service.TlsVerify),
            UpdatedAt = now,
        };
        if (body.ContainsKey("port") is false && body.ContainsKey("url") is false && basis is null && service.Protocol == "https")
        {
            service = service with { Port = 443 };
        }

        read.Ignore("id", "created_at", "updated_at", "client_certificate", "ca_certificates", "tls_verify_depth");
        read.RejectUnknown();
        if (string.IsNullOrEmpty(service.Host))
        {
            read.Fail("host", "required field missing");
        }

        return service;
    }

    public static Route ReadRoute(JsonObject body, Route? basis, Guid id, long now, GatewayConfig config, EntityRef? service, List<ConfigError> errors)
    {
        var entity = ConfigValidator.Describe("route", body["name"]?.ToString() ?? basis?.Name, id);
        var read = new FieldReader(body, entity, errors);
        var route = basis ?? new Route { Id = id, CreatedAt = now };
        route = route with
        {
            Name = read.String("name", route.Name),
            Protocols = read.Strings("protocols", route.Protocols) ?? ["http", "https"],
            Methods = read.Strings("methods", route.Methods),
            Hosts = read.Strings("hosts", route.Hosts),
            Paths = read.Strings("paths", route.Paths),
            Headers = read.StringLists("headers", route.Headers),
            HttpsRedirectStatusCode = read.Int("https_redirect_status_code", route.HttpsRedirectStatusCode),
            RegexPriority = read.Int("regex_priority", route.RegexPriority),
            StripPath = read.Bool("strip_path", route.StripPath),
            PathHandling = read.String("path_handling", route.PathHandling) ?? "v0",
            PreserveHost = read.Bool("preserve_host", route.PreserveHost),
            RequestBuffering = read.Bool("request_buffering", route.RequestBuffering),
            ResponseBuffering = read.Bool("response_buffering", route.ResponseBuffering),
            Tags = read.Strings("tags", route.Tags),
            Service = service ?? read.Reference("service", route.Service, key => config.FindService(key)?.Id),
            UpdatedAt = now,
        };
        read.Ignore("id", "created_at", "updated_at", "snis", "sources", "destinations");
        if (service is not null)
        {
            read.Ignore("service");
        }

        read.RejectUnknown();
        return route;
    }

    public static Consumer ReadConsumer(JsonObject body, Consumer? basis, Guid id, long now, List<ConfigError> errors)
    {
        var entity = ConfigValidator.Describe("consumer", body["username"]?.ToString() ?? basis?.Username, id);
        var read = new FieldReader(body, entity, errors);
        var consumer = basis ?? new Consumer { Id = id, CreatedAt = now };
        consumer = consumer with
        {
            Username = read.String("username", consumer.Username),
            CustomId = read.String("custom_id", consumer.CustomId),
            Tags = read.Strings("tags", consumer.Tags),
            UpdatedAt = now,
        };
        read.Ignore("id", "created_at", "updated_at");
        read.RejectUnknown();
        return consumer;
    }

    public static ConsumerGroup ReadConsumerGroup(JsonObject body, ConsumerGroup? basis, Guid id, long now, List<ConfigError> errors)
    {
        var entity = ConfigValidator.Describe("consumer group", body["name"]?.ToString() ?? basis?.Name, id);
        var read = new FieldReader(body, entity, errors);
        var group = basis ?? new ConsumerGroup { Id = id, Name = string.Empty, CreatedAt = now };
        group = group with
        {
            Name = read.String("name", group.Name) ?? string.Empty,
            Tags = read.Strings("tags", group.Tags),
            UpdatedAt = now,
        };
        read.Ignore("id", "created_at", "updated_at");
        read.RejectUnknown();
        if (string.IsNullOrEmpty(group.Name))
        {
            read.Fail("name", "required field missing");
        }

        return group;
    }

    /// <summary>Reads a credential; <paramref name="key"/> is the plain key when the body set one (or one was generated).</summary>
    public static KeyAuthCredential ReadKeyAuth(JsonObject body, KeyAuthCredential? basis, Guid id, long now, Guid consumer, List<ConfigError> errors, out string? key)
    {
        var read = new FieldReader(body, $"key-auth credential {id}", errors);
        key = read.String("key", null);
        if (key is null && basis is null)
        {
            key = KeyAuthKeys.Generate();
        }

        if (key is { Length: 0 })
        {
            read.Fail("key", "length must be at least 1");
        }

        var credential = basis ?? new KeyAuthCredential { Id = id, CreatedAt = now, Consumer = new EntityRef(consumer), KeyHash = string.Empty, KeyHint = string.Empty };
        credential = credential with
        {
            KeyHash = key is null ? credential.KeyHash : KeyAuthKeys.Hash(key),
            KeyHint = key is null ? credential.KeyHint : KeyAuthKeys.Hint(key),
            Tags = read.Strings("tags", credential.Tags),
            Ttl = read.NullableInt("ttl", credential.Ttl),
        };
        read.Ignore("id", "created_at", "consumer");
        read.RejectUnknown();
        return credential;
    }

    public static Plugin ReadPlugin(JsonObject body, Plugin? basis, Plugin? previous, Guid id, long now, GatewayConfig config, PluginScope scope, List<ConfigError> errors)
    {
        var name = body["name"]?.ToString() ?? basis?.Name ?? string.Empty;
        var entity = ConfigValidator.Describe("plugin", name, id);
        var read = new FieldReader(body, entity, errors);
        var plugin = basis ?? new Plugin { Id = id, Name = name, CreatedAt = now };
        var config0 = read.Object("config", null);
        var merged = basis?.Config.DeepClone() as JsonObject ?? [];
        if (config0 is not null)
        {
            foreach (var (field, value) in config0)
            {
                merged[field] = value?.DeepClone();
            }
        }

        plugin = plugin with
        {
            Name = read.String("name", plugin.Name) ?? string.Empty,
            InstanceName = read.String("instance_name", plugin.InstanceName),
            Enabled = read.Bool("enabled", plugin.Enabled),
            Protocols = read.Strings("protocols", plugin.Protocols) ?? ["grpc", "grpcs", "http", "https"],
            Tags = read.Strings("tags", plugin.Tags),
            Service = scope.Service ?? read.Reference("service", plugin.Service, key => config.FindService(key)?.Id),
            Route = scope.Route ?? read.Reference("route", plugin.Route, key => config.FindRoute(key)?.Id),
            Consumer = scope.Consumer ?? read.Reference("consumer", plugin.Consumer, key => config.FindConsumer(key)?.Id),
            ConsumerGroup = scope.ConsumerGroup ?? read.Reference("consumer_group", plugin.ConsumerGroup, key => config.FindConsumerGroup(key)?.Id),
            UpdatedAt = now,
        };
        foreach (var field in PluginSecrets.Restore(plugin.Name, merged, previous?.Config))
        {
            read.Fail(field, PluginSecrets.UnresolvedMessage);
        }

        plugin = plugin with { Config = PluginSchemas.WithDefaults(plugin.Name, merged) };
        read.Ignore("id", "created_at", "updated_at", "ordering");
        read.RejectUnknown();
        if (string.IsNullOrEmpty(plugin.Name))
        {
            read.Fail("name", "required field missing");
        }

        return plugin;
    }
}

/// <summary>The scope a nested plugin path fixes (<c>/services/{s}/plugins</c> and the like).</summary>
internal sealed record PluginScope(EntityRef? Service = null, EntityRef? Route = null, EntityRef? Consumer = null, EntityRef? ConsumerGroup = null);
