using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tollgate.Gateway.Entities;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// Writes a config as a decK file: routes nested in their services, plugins in the one entity they are scoped to
/// (top level when global or scoped to several), ids included so that reading the file back changes nothing, and
/// fields left out where they hold Kong's default. Keys are written as their stored hash, since the key is not kept.
/// </summary>
internal sealed class DeclarativeWriter
{
    private static readonly Service ServiceDefaults = new() { Id = Guid.Empty, Host = string.Empty };
    private static readonly Route RouteDefaults = new() { Id = Guid.Empty };
    private static readonly Plugin PluginDefaults = new() { Id = Guid.Empty, Name = string.Empty };

    private readonly Emitter _emitter;
    private readonly GatewayConfig _config;
    private readonly Dictionary<Guid, Service> _services = [];
    private readonly Dictionary<Guid, Route> _routes = [];
    private readonly Dictionary<Guid, Consumer> _consumers = [];
    private readonly Dictionary<Guid, ConsumerGroup> _groups = [];

    /// <summary>Routes by the service they are nested in.</summary>
    private readonly ILookup<Guid, Route> _routesByService;

    /// <summary>Plugins by the entity they are nested in; those at the top level under null.</summary>
    private readonly ILookup<Guid?, Plugin> _pluginsByParent;

    private readonly ILookup<Guid, KeyAuthCredential> _credentialsByConsumer;

    private DeclarativeWriter(GatewayConfig config, TextWriter output)
    {
        _config = config;
        _emitter = new Emitter(output);
        foreach (var service in config.Services)
        {
            _services.TryAdd(service.Id, service);
        }

        foreach (var route in config.Routes)
        {
            _routes.TryAdd(route.Id, route);
        }

        foreach (var consumer in config.Consumers)
        {
            _consumers.TryAdd(consumer.Id, consumer);
        }

        foreach (var group in config.ConsumerGroups)
        {
            _groups.TryAdd(group.Id, group);
        }

        _routesByService = config.Routes.Where(r => r.Service is { } service && _services.ContainsKey(service.Id)).ToLookup(r => r.Service!.Id);
        _pluginsByParent = config.Plugins.ToLookup(NestedIn);
        _credentialsByConsumer = config.KeyAuthCredentials.ToLookup(k => k.Consumer.Id);
    }

    public static string Write(GatewayConfig config)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        new DeclarativeWriter(CanonicalOrder.Apply(config), output).WriteDocument();
        return output.ToString();
    }

    private void WriteDocument()
    {
        _emitter.Emit(new StreamStart());
        _emitter.Emit(new DocumentStart(null, null, true));
        _emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
        Key("_format_version");
        String(DeclarativeReader.FormatVersion);
        List("services", _config.Services, WriteService);
        List("routes", _config.Routes.Where(r => r.Service is not { } service || !_services.ContainsKey(service.Id)), route => WriteRoute(route, nested: false));
        List("consumers", _config.Consumers, WriteConsumer);
        List("consumer_groups", _config.ConsumerGroups, WriteConsumerGroup);
        List("plugins", _pluginsByParent[null], plugin => WritePlugin(plugin, nested: false));
        _emitter.Emit(new MappingEnd());
        _emitter.Emit(new DocumentEnd(true));
        _emitter.Emit(new StreamEnd());
    }

    private void WriteService(Service service)
    {
        Optional("name", service.Name);
        String("id", service.Id.ToString());
        if (service.Protocol != ServiceDefaults.Protocol)
        {
            String("protocol", service.Protocol);
        }

        String("host", service.Host);
        Int("port", service.Port, ServiceDefaults.Port);
        Optional("path", service.Path);
        Int("retries", service.Retries, ServiceDefaults.Retries);
        Int("connect_timeout", service.ConnectTimeout, ServiceDefaults.ConnectTimeout);
        Int("read_timeout", service.ReadTimeout, ServiceDefaults.ReadTimeout);
        Int("write_timeout", service.WriteTimeout, ServiceDefaults.WriteTimeout);
        Bool("enabled", service.Enabled, ServiceDefaults.Enabled);
        if (service.TlsVerify is { } tlsVerify)
        {
            Bool("tls_verify", tlsVerify, !tlsVerify);
        }

        Strings("tags", service.Tags);
        List("routes", _routesByService[service.Id], route => WriteRoute(route, nested: true));
        List("plugins", _pluginsByParent[service.Id], plugin => WritePlugin(plugin, nested: true));
    }

    private void WriteRoute(Route route, bool nested)
    {
        Optional("name", route.Name);
        String("id", route.Id.ToString());
        if (!route.Protocols.SequenceEqual(RouteDefaults.Protocols, StringComparer.Ordinal))
        {
            Strings("protocols", route.Protocols);
        }

        Strings("methods", route.Methods);
        Strings("hosts", route.Hosts);
        Strings("paths", route.Paths);
        if (route.Headers is { } headers)
        {
            Key("headers");
            _emitter.Emit(new MappingStart(null, null, true, headers.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
            foreach (var (name, values) in headers)
            {
                Strings(name, values);
            }

            _emitter.Emit(new MappingEnd());
        }

        Int("https_redirect_status_code", route.HttpsRedirectStatusCode, RouteDefaults.HttpsRedirectStatusCode);
        Int("regex_priority", route.RegexPriority, RouteDefaults.RegexPriority);
        Bool("strip_path", route.StripPath, RouteDefaults.StripPath);
        if (route.PathHandling != RouteDefaults.PathHandling)
        {
            String("path_handling", route.PathHandling);
        }

        Bool("preserve_host", route.PreserveHost, RouteDefaults.PreserveHost);
        Bool("request_buffering", route.RequestBuffering, RouteDefaults.RequestBuffering);
        Bool("response_buffering", route.ResponseBuffering, RouteDefaults.ResponseBuffering);
        Strings("tags", route.Tags);
        if (!nested && route.Service is { } service)
        {
            String("service", ServiceReference(service.Id));
        }

        List("plugins", _pluginsByParent[route.Id], plugin => WritePlugin(plugin, nested: true));
    }

    private void WriteConsumer(Consumer consumer)
    {
        Optional("username", consumer.Username);
        Optional("custom_id", consumer.CustomId);
        String("id", consumer.Id.ToString());
        Strings("tags", consumer.Tags);
        List("keyauth_credentials", _credentialsByConsumer[consumer.Id], credential =>
        {
            String("key", credential.KeyHash);
            String("id", credential.Id.ToString());
            Strings("tags", credential.Tags);
            if (credential.Ttl is { } ttl)
            {
                Int("ttl", ttl, null);
            }
        });
        List("plugins", _pluginsByParent[consumer.Id], plugin => WritePlugin(plugin, nested: true));
    }

    private void WriteConsumerGroup(ConsumerGroup group)
    {
        String("name", group.Name);
        String("id", group.Id.ToString());
        Strings("tags", group.Tags);
        List("consumers", group.Consumers, member =>
        {
            // A member is named as a person would: by username, else custom_id; by id only when it has neither.
            var consumer = _consumers.GetValueOrDefault(member);
            if (consumer?.Username is { } username)
            {
                String("username", username);
            }
            else if (consumer?.CustomId is { } customId)
            {
                String("custom_id", customId);
            }
            else
            {
                String("id", member.ToString());
            }
        });
        List("plugins", _pluginsByParent[group.Id], plugin => WritePlugin(plugin, nested: true));
    }

    private void WritePlugin(Plugin plugin, bool nested)
    {
        String("name", plugin.Name);
        Optional("instance_name", plugin.InstanceName);
        String("id", plugin.Id.ToString());
        if (!nested)
        {
            Optional("service", plugin.Service is { } service ? ServiceReference(service.Id) : null);
            Optional("route", plugin.Route is { } route ? Reference(route.Id, _routes.GetValueOrDefault(route.Id)?.Name) : null);
            Optional("consumer", plugin.Consumer is { } consumer ? Reference(consumer.Id, _consumers.GetValueOrDefault(consumer.Id)?.Username) : null);
            Optional("consumer_group", plugin.ConsumerGroup is { } group ? Reference(group.Id, _groups.GetValueOrDefault(group.Id)?.Name) : null);
        }

        Bool("enabled", plugin.Enabled, PluginDefaults.Enabled);
        if (!plugin.Protocols.SequenceEqual(PluginDefaults.Protocols, StringComparer.Ordinal))
        {
            Strings("protocols", plugin.Protocols);
        }

        Strings("tags", plugin.Tags);
        var config = WithoutDefaults(plugin.Name, PluginSecrets.Redact(plugin.Name, plugin.Config));
        if (config.Count > 0)
        {
            Key("config");
            Json(config);
        }
    }

    /// <summary>
    /// The config less every value its schema's defaults put back: a value is left out only when
    /// <see cref="PluginSchemas.WithDefaults"/> of what remains still gives the stored config, which is what
    /// reading the file back does.
    /// </summary>
    private static JsonObject WithoutDefaults(string name, JsonObject stored)
    {
        var written = (JsonObject)stored.DeepClone();
        LeaveOutDefaults(written, written);
        return written;

        void LeaveOutDefaults(JsonObject root, JsonObject current)
        {
            foreach (var key in current.Select(field => field.Key).ToList())
            {
                var index = current.IndexOf(key);
                var value = current[key];
                current.RemoveAt(index);
                if (JsonNode.DeepEquals(PluginSchemas.WithDefaults(name, root), stored))
                {
                    continue;
                }

                current.Insert(index, key, value);
                if (value is JsonObject inner)
                {
                    LeaveOutDefaults(root, inner);
                }
            }
        }
    }

    /// <summary>The one entity a plugin is written inside: the only scope it has, when that entity is in the config.</summary>
    private Guid? NestedIn(Plugin plugin)
    {
        var scopes = new[] { plugin.Service, plugin.Route, plugin.Consumer, plugin.ConsumerGroup }.OfType<EntityRef>().ToList();
        if (scopes.Count != 1)
        {
            return null;
        }

        var id = scopes[0].Id;
        var exists = plugin.Service is not null ? _services.ContainsKey(id)
            : plugin.Route is not null ? _routes.ContainsKey(id)
            : plugin.Consumer is not null ? _consumers.ContainsKey(id)
            : _groups.ContainsKey(id);
        return exists ? id : null;
    }

    private string ServiceReference(Guid id) => Reference(id, _services.GetValueOrDefault(id)?.Name);

    /// <summary>A reference by name where there is one (a name that reads as an id would be taken for one).</summary>
    private static string Reference(Guid id, string? name) => name is null || Guid.TryParse(name, out _) ? id.ToString() : name;

    private void Json(JsonNode? node)
    {
        switch (node)
        {
            case null:
                Plain("null");
                break;
            case JsonObject json:
                _emitter.Emit(new MappingStart(null, null, true, json.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in json)
                {
                    Key(key);
                    Json(value);
                }

                _emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                _emitter.Emit(new SequenceStart(null, null, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Json(item);
                }

                _emitter.Emit(new SequenceEnd());
                break;
            default:
                switch (node.GetValueKind())
                {
                    case JsonValueKind.String:
                        String(node.GetValue<string>());
                        break;
                    case JsonValueKind.Null:
                        Plain("null");
                        break;
                    default:
                        // Numbers and booleans are written as JSON writes them, which YAML reads as the same value.
                        Plain(node.ToJsonString());
                        break;
                }

                break;
        }
    }

    private void List<T>(string key, IEnumerable<T> items, Action<T> write)
    {
        var list = items.ToList();
        if (list.Count == 0)
        {
            return;
        }

        Key(key);
        _emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
        foreach (var item in list)
        {
            _emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
            write(item);
            _emitter.Emit(new MappingEnd());
        }

        _emitter.Emit(new SequenceEnd());
    }

    private void Strings(string key, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        Key(key);
        _emitter.Emit(new SequenceStart(null, null, true, values.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
        foreach (var value in values)
        {
            String(value);
        }

        _emitter.Emit(new SequenceEnd());
    }

    private void Optional(string key, string? value)
    {
        if (value is not null)
        {
            String(key, value);
        }
    }

    private void String(string key, string value)
    {
        Key(key);
        String(value);
    }

    private void Int(string key, int value, int? defaultValue)
    {
        if (value != defaultValue)
        {
            Key(key);
            Plain(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private void Bool(string key, bool value, bool defaultValue)
    {
        if (value != defaultValue)
        {
            Key(key);
            Plain(value ? "true" : "false");
        }
    }

    private void Key(string key) => String(key);

    /// <summary>A string, quoted where YAML would otherwise read it as a number, boolean or null.</summary>
    private void String(string value) =>
        _emitter.Emit(new Scalar(null, null, value, YamlScalars.NeedsQuotes(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any, true, true));

    private void Plain(string value) => _emitter.Emit(new Scalar(null, null, value, ScalarStyle.Plain, true, false));
}
