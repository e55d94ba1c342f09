using System.Text.RegularExpressions;

namespace Tollgate.Gateway.Entities;

/// <summary>Checks a whole config: fields, uniqueness and references, as Kong's schema does.</summary>
public static partial class ConfigValidator
{
    private static readonly string[] HttpMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"];

    public static IReadOnlyList<ConfigError> Validate(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<ConfigError>();
        var services = new Dictionary<Guid, Service>();
        var serviceNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in config.Services)
        {
            var entity = Describe("service", service.Name, service.Id);
            if (!services.TryAdd(service.Id, service))
            {
                errors.Add(new(entity, "id", "another service has this id"));
            }

            CheckName(errors, entity, "name", service.Name, serviceNames, "service");
            if (service.Protocol is not ("http" or "https"))
            {
                errors.Add(new(entity, "protocol", $"expected one of: http, https (Tollgate proxies HTTP), not '{service.Protocol}'"));
            }

            if (string.IsNullOrWhiteSpace(service.Host) || Uri.CheckHostName(service.Host) == UriHostNameType.Unknown)
            {
                errors.Add(new(entity, "host", string.IsNullOrWhiteSpace(service.Host) ? "required field missing" : $"invalid hostname: {service.Host}"));
            }

            if (service.Port is < 0 or > 65535)
            {
                errors.Add(new(entity, "port", "value should be between 0 and 65535"));
            }

            if (service.Path is { } path && !path.StartsWith('/'))
            {
                errors.Add(new(entity, "path", "should start with: /"));
            }

            CheckTimeout(errors, entity, "connect_timeout", service.ConnectTimeout);
            CheckTimeout(errors, entity, "read_timeout", service.ReadTimeout);
            CheckTimeout(errors, entity, "write_timeout", service.WriteTimeout);
            if (service.Retries is < 0 or > 32767)
            {
                errors.Add(new(entity, "retries", "value should be between 0 and 32767"));
            }
        }

        var routes = new HashSet<Guid>();
        var routeNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in config.Routes)
        {
            var entity = Describe("route", route.Name, route.Id);
            if (!routes.Add(route.Id))
            {
                errors.Add(new(entity, "id", "another route has this id"));
            }

            CheckName(errors, entity, "name", route.Name, routeNames, "route");
            if (route.Service is { } service && !services.ContainsKey(service.Id))
            {
                errors.Add(new(entity, "service", $"the service {service.Id} does not exist"));
            }

            if (route.Paths is not { Count: > 0 } && route.Hosts is not { Count: > 0 } && route.Methods is not { Count: > 0 } && route.Headers is not { Count: > 0 })
            {
                errors.Add(new(entity, "paths", "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http' or 'https'"));
            }

            for (var i = 0; i < (route.Paths?.Count ?? 0); i++)
            {
                var path = route.Paths![i];
                if (path.StartsWith('~'))
                {
                    try
                    {
                        _ = new Regex(path[1..], RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                    }
                    catch (ArgumentException exception)
                    {
                        errors.Add(new(entity, $"paths[{i}]", $"invalid regex: '{path[1..]}' ({exception.Message})"));
                    }
                }
                else if (!path.StartsWith('/'))
                {
                    errors.Add(new(entity, $"paths[{i}]", "should start with: / (fixed path) or ~/ (regex path)"));
                }
            }

            for (var i = 0; i < (route.Methods?.Count ?? 0); i++)
            {
                if (!HttpMethods.Contains(route.Methods![i], StringComparer.Ordinal))
                {
                    errors.Add(new(entity, $"methods[{i}]", $"invalid value: {route.Methods[i]} (expected an upper-case HTTP method)"));
                }
            }

            foreach (var protocol in route.Protocols)
            {
                if (protocol is not ("http" or "https"))
                {
                    errors.Add(new(entity, "protocols", $"expected http or https (Tollgate proxies HTTP), not '{protocol}'"));
                }
            }

            if (route.PathHandling is not ("v0" or "v1"))
            {
                errors.Add(new(entity, "path_handling", "expected one of: v0, v1"));
            }
        }

        var consumers = new HashSet<Guid>();
        var usernames = new HashSet<string>(StringComparer.Ordinal);
        var customIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var consumer in config.Consumers)
        {
            var entity = Describe("consumer", consumer.Username ?? consumer.CustomId, consumer.Id);
            if (!consumers.Add(consumer.Id))
            {
                errors.Add(new(entity, "id", "another consumer has this id"));
            }

            if (consumer.Username is null && consumer.CustomId is null)
            {
                errors.Add(new(entity, "username", "at least one of these fields must be non-empty: 'custom_id', 'username'"));
            }

            if (consumer.Username is { } username && !usernames.Add(username))
            {
                errors.Add(new(entity, "username", $"UNIQUE violation detected on '{{username=\"{username}\"}}'"));
            }

            if (consumer.CustomId is { } customId && !customIds.Add(customId))
            {
                errors.Add(new(entity, "custom_id", $"UNIQUE violation detected on '{{custom_id=\"{customId}\"}}'"));
            }
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var credential in config.KeyAuthCredentials)
        {
            var entity = $"key-auth credential {credential.Id}";
            if (!consumers.Contains(credential.Consumer.Id))
            {
                errors.Add(new(entity, "consumer", $"the consumer {credential.Consumer.Id} does not exist"));
            }

            if (!keys.Add(credential.KeyHash))
            {
                errors.Add(new(entity, "key", "UNIQUE violation detected on '{key}': another credential has the same key"));
            }
        }

        var groupNames = new HashSet<string>(StringComparer.Ordinal);
        var groups = new HashSet<Guid>();
        foreach (var group in config.ConsumerGroups)
        {
            var entity = Describe("consumer group", group.Name, group.Id);
            groups.Add(group.Id);
            CheckName(errors, entity, "name", group.Name, groupNames, "consumer group");
            foreach (var member in group.Consumers)
            {
                if (!consumers.Contains(member))
                {
                    errors.Add(new(entity, "consumers", $"the consumer {member} does not exist"));
                }
            }
        }

        var pluginScopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plugin in config.Plugins)
        {
            var entity = Describe("plugin", plugin.InstanceName ?? plugin.Name, plugin.Id);
            if (plugin.Service is { } service && !services.ContainsKey(service.Id))
            {
                errors.Add(new(entity, "service", $"the service {service.Id} does not exist"));
            }

            if (plugin.Route is { } route && !routes.Contains(route.Id))
            {
                errors.Add(new(entity, "route", $"the route {route.Id} does not exist"));
            }

            if (plugin.Consumer is { } consumer && !consumers.Contains(consumer.Id))
            {
                errors.Add(new(entity, "consumer", $"the consumer {consumer.Id} does not exist"));
            }

            if (plugin.ConsumerGroup is { } group && !groups.Contains(group.Id))
            {
                errors.Add(new(entity, "consumer_group", $"the consumer group {group.Id} does not exist"));
            }

            var scope = $"{plugin.Name}|{plugin.Service?.Id}|{plugin.Route?.Id}|{plugin.Consumer?.Id}|{plugin.ConsumerGroup?.Id}";
            if (!pluginScopes.Add(scope))
            {
                errors.Add(new(entity, "name", $"a '{plugin.Name}' plugin is already configured for this scope (UNIQUE violation on name, service, route, consumer, consumer_group)"));
            }

            foreach (var error in PluginSchemas.Check(plugin))
            {
                errors.Add(new(entity, error.Field, error.Message));
            }
        }

        return errors;
    }

    /// <summary>How an error names an entity: by name when it has one, else by id.</summary>
    public static string Describe(string kind, string? name, Guid id) => name is null ? $"{kind} {id}" : $"{kind} '{name}'";

    private static void CheckName(List<ConfigError> errors, string entity, string field, string? name, HashSet<string> seen, string kind)
    {
        if (name is null)
        {
            return;
        }

        if (!NamePattern().IsMatch(name))
        {
            errors.Add(new(entity, field, "invalid value: only letters, digits, '.', '-', '_' and '~' are allowed"));
        }
        else if (!seen.Add(name))
        {
            errors.Add(new(entity, field, $"UNIQUE violation detected on '{{name=\"{name}\"}}': another {kind} has this name"));
        }
    }

    private static void CheckTimeout(List<ConfigError> errors, string entity, string field, int value)
    {
        if (value is < 1 or > 2147483646)
        {
            errors.Add(new(entity, field, "value should be between 1 and 2147483646"));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._~-]+$")]
    private static partial Regex NamePattern();
}
