using System.Globalization;
using System.Text.Json.Nodes;
using Tollgate.Gateway.Entities;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// Reads a decK file into drafts of its entities, collecting every problem with the entity and field it concerns.
/// References between entities are kept as written; <see cref="DeclarativeBuilder"/> resolves them.
/// </summary>
internal sealed partial class DeclarativeReader(Func<string, string?> environment)
{
    /// <summary>How errors name the file itself (its top-level keys, its syntax).</summary>
    public const string FileEntity = "declarative config";

    public const string FormatVersion = "3.0";

    /// <summary>decK's top-level keys that say how decK works, not what the config is.</summary>
    private static readonly string[] IgnoredTopLevelKeys = ["_transform", "_info", "_konnect", "_workspace"];

    private static readonly Service ServiceDefaults = new() { Id = Guid.Empty, Host = string.Empty };
    private static readonly Route RouteDefaults = new() { Id = Guid.Empty };
    private static readonly Plugin PluginDefaults = new() { Id = Guid.Empty, Name = string.Empty };

    public List<ConfigError> Errors { get; } = [];

    public List<ServiceDraft> Services { get; } = [];

    public List<RouteDraft> Routes { get; } = [];

    public List<ConsumerDraft> Consumers { get; } = [];

    public List<ConsumerGroupDraft> ConsumerGroups { get; } = [];

    public List<PluginDraft> Plugins { get; } = [];

    /// <summary>Reads the file; false when it is not YAML with a mapping at the top, so there is nothing to build.</summary>
    public bool Read(string text)
    {
        // Editors on Windows save files with a byte order mark, which the YAML scanner would take into the first key.
        if (Load(text.TrimStart('\uFEFF')) is not { } root)
        {
            return false;
        }

        var fields = new MappingFields(root, FileEntity, string.Empty, Errors);
        switch (fields.Take("_format_version"))
        {
            case null:
                Error(FileEntity, "_format_version", $"required field missing (Tollgate reads decK's format \"{FormatVersion}\")");
                break;
            case YamlScalarNode { Value: FormatVersion }:
                break;
            case var version:
                Error(FileEntity, "_format_version", $"unsupported format version {Found(version)}: Tollgate reads decK's format \"{FormatVersion}\"");
                break;
        }

        foreach (var key in IgnoredTopLevelKeys)
        {
            fields.Take(key);
        }

        foreach (var (node, position) in Section(fields, "services", string.Empty))
        {
            ReadService(node, position);
        }

        foreach (var (node, position) in Section(fields, "routes", string.Empty))
        {
            ReadRoute(node, position, null);
        }

        foreach (var (node, position) in Section(fields, "consumers", string.Empty))
        {
            ReadConsumer(node, position);
        }

        foreach (var (node, position) in Section(fields, "consumer_groups", string.Empty))
        {
            ReadConsumerGroup(node, position);
        }

        foreach (var (node, position) in Section(fields, "plugins", string.Empty))
        {
            ReadPlugin(node, position, new PluginParents());
        }

        Finish(fields, "unknown top-level key (Tollgate reads _format_version, services, routes, consumers, consumer_groups and plugins)");
        return true;
    }

    private YamlMappingNode? Load(string text)
    {
        try
        {
            if (YamlDocumentLimits.Check(text) is { } limit)
            {
                Error(FileEntity, string.Empty, $"line {limit.Start.Line}, column {limit.Start.Column}: {limit.Message}");
                return null;
            }

            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            switch (stream.Documents.Count)
            {
                case 0:
                    Error(FileEntity, string.Empty, "the file is empty");
                    return null;
                case > 1:
                    Error(FileEntity, string.Empty, $"the file holds {stream.Documents.Count} YAML documents; a declarative config is one");
                    return null;
            }

            if (stream.Documents[0].RootNode is YamlMappingNode root)
            {
                return root;
            }

            Error(FileEntity, string.Empty, $"expected a mapping at the top of the file (_format_version, services, ...), not {Found(stream.Documents[0].RootNode)}");
            return null;
        }
        catch (YamlException exception)
        {
            Error(FileEntity, string.Empty, $"invalid YAML at line {exception.Start.Line}, column {exception.Start.Column}: {exception.Message}");
            return null;
        }
    }

    private void ReadService(YamlMappingNode node, string position)
    {
        var fields = new MappingFields(node, position, string.Empty, Errors);
        var name = String(fields, "name");
        fields.Entity = name is null ? position : ConfigValidator.Describe("service", name, Guid.Empty);
        var id = Id(fields);
        var url = String(fields, "url");
        var protocol = String(fields, "protocol");
        var host = String(fields, "host");
        var port = Int(fields, "port");
        var path = String(fields, "path");
        if (url is not null)
        {
            if (protocol is not null || host is not null || port is not null || path is not null)
            {
                Error(fields.Entity, "url", "set either url or protocol, host, port and path, not both");
            }
            else if (ParseUrl(url, fields.Entity) is { } parts)
            {
                (protocol, host, port, path) = parts;
            }
        }

        var draft = new ServiceDraft
        {
            Description = fields.Entity,
            ExplicitId = id,
            Value = ServiceDefaults with
            {
                Name = name,
                Protocol = protocol ?? ServiceDefaults.Protocol,
                Host = host ?? string.Empty,
                Port = port ?? ServiceDefaults.Port,
                Path = path,
                Retries = Int(fields, "retries") ?? ServiceDefaults.Retries,
                ConnectTimeout = Int(fields, "connect_timeout") ?? ServiceDefaults.ConnectTimeout,
                ReadTimeout = Int(fields, "read_timeout") ?? ServiceDefaults.ReadTimeout,
                WriteTimeout = Int(fields, "write_timeout") ?? ServiceDefaults.WriteTimeout,
                Tags = Strings(fields, "tags"),
                Enabled = Bool(fields, "enabled") ?? ServiceDefaults.Enabled,
                TlsVerify = Bool(fields, "tls_verify"),
            },
        };
        Services.Add(draft);
        foreach (var (route, routePosition) in Section(fields, "routes", position + "."))
        {
            ReadRoute(route, routePosition, draft);
        }

        foreach (var (plugin, pluginPosition) in Section(fields, "plugins", position + "."))
        {
            ReadPlugin(plugin, pluginPosition, new PluginParents { Service = draft });
        }

        Finish(fields, "unknown field");
    }

    /// <summary>Kong's <c>url</c> shorthand: <c>http://host:port/path</c>, the port defaulting to the protocol's.</summary>
    private (string Protocol, string Host, int Port, string? Path)? ParseUrl(string url, string entity)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            Error(entity, "url", $"invalid URL '{url}': expected protocol://host[:port][/path]");
            return null;
        }

        var protocol = url[..schemeEnd];
        var rest = url[(schemeEnd + 3)..];
        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = pathStart < 0 ? rest : rest[..pathStart];
        var path = pathStart < 0 ? null : rest[pathStart..];
        if (path is not null && path.IndexOfAny(['?', '#']) >= 0)
        {
            Error(entity, "url", $"invalid URL '{url}': a service URL has no query or fragment");
            return null;
        }

        if (authority.Contains('@', StringComparison.Ordinal))
        {
            Error(entity, "url", $"invalid URL '{url}': credentials in the URL are not supported");
            return null;
        }

        // The port follows the last colon, unless that colon is inside an IPv6 address's brackets.
        var portStart = authority.LastIndexOf(':');
        var host = authority;
        var port = string.Equals(protocol, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80;
        if (portStart >= 0 && portStart > authority.LastIndexOf(']'))
        {
            host = authority[..portStart];
            if (!int.TryParse(authority.AsSpan(portStart + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                Error(entity, "url", $"invalid URL '{url}': the port is not a number");
                return null;
            }
        }

        if (host.Length == 0)
        {
            Error(entity, "url", $"invalid URL '{url}': the host is missing");
            return null;
        }

        return (protocol, host, port, path);
    }

    private void ReadRoute(YamlMappingNode node, string position, ServiceDraft? parent)
    {
        var fields = new MappingFields(node, position, string.Empty, Errors);
        var name = String(fields, "name");
        fields.Entity = name is null ? position : ConfigValidator.Describe("route", name, Guid.Empty);
        var id = Id(fields);
        Reference? serviceReference = null;
        if (fields.Take("service") is { } service && !IsNull(service))
        {
            if (parent is not null)
            {
                Error(fields.Entity, "service", $"the route is nested in {parent.Description}, which is its service; remove this field");
            }
            else
            {
                serviceReference = ReferenceTo(service, fields.Entity, "service", ReferenceBy.Name);
            }
        }

        var draft = new RouteDraft
        {
            Description = fields.Entity,
            ExplicitId = id,
            Parent = parent,
            ServiceReference = serviceReference,
            Value = RouteDefaults with
            {
                Name = name,
                Protocols = Strings(fields, "protocols") ?? RouteDefaults.Protocols,
                Methods = Strings(fields, "methods"),
                Hosts = Strings(fields, "hosts"),
                Paths = Strings(fields, "paths"),
                Headers = Headers(fields),
                HttpsRedirectStatusCode = Int(fields, "https_redirect_status_code") ?? RouteDefaults.HttpsRedirectStatusCode,
                RegexPriority = Int(fields, "regex_priority") ?? RouteDefaults.RegexPriority,
                StripPath = Bool(fields, "strip_path") ?? RouteDefaults.StripPath,
                PathHandling = String(fields, "path_handling") ?? RouteDefaults.PathHandling,
                PreserveHost = Bool(fields, "preserve_host") ?? RouteDefaults.PreserveHost,
                RequestBuffering = Bool(fields, "request_buffering") ?? RouteDefaults.RequestBuffering,
                ResponseBuffering = Bool(fields, "response_buffering") ?? RouteDefaults.ResponseBuffering,
                Tags = Strings(fields, "tags"),
            },
        };
        Routes.Add(draft);
        foreach (var (plugin, pluginPosition) in Section(fields, "plugins", position + "."))
        {
            ReadPlugin(plugin, pluginPosition, new PluginParents { Route = draft });
        }

        Finish(fields, "unknown field");
    }

    private Dictionary<string, IReadOnlyList<string>>? Headers(MappingFields fields)
    {
        var node = fields.Take("headers");
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(fields.Entity, "headers", $"expected a mapping of header names to lists of values, not {Found(node)}");
            return null;
        }

        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            if (KeyText(key, fields.Entity, "headers") is not { } header)
            {
                continue;
            }

            if (StringList(value, fields.Entity, $"headers.{header}") is { } values)
            {
                headers[header] = values;
            }
        }

        return headers;
    }

    private void ReadConsumer(YamlMappingNode node, string position)
    {
        var fields = new MappingFields(node, position, string.Empty, Errors);
        var username = String(fields, "username");
        var customId = String(fields, "custom_id");
        var known = username ?? customId;
        fields.Entity = known is null ? position : ConfigValidator.Describe("consumer", known, Guid.Empty);
        var draft = new ConsumerDraft
        {
            Description = fields.Entity,
            ExplicitId = Id(fields),
            Value = new Consumer { Id = Guid.Empty, Username = username, CustomId = customId, Tags = Strings(fields, "tags") },
        };
        Consumers.Add(draft);
        foreach (var (credential, credentialPosition) in Section(fields, "keyauth_credentials", string.Empty))
        {
            ReadCredential(credential, credentialPosition, draft);
        }

        foreach (var (group, groupPosition) in Section(fields, "groups", string.Empty))
        {
            var groupFields = new MappingFields(group, fields.Entity, groupPosition + ".", Errors);
            if (ReferenceIn(groupFields, ReferenceBy.Name) is { } reference)
            {
                draft.Groups.Add(reference);
            }

            Finish(groupFields, "unknown field");
        }

        foreach (var (plugin, pluginPosition) in Section(fields, "plugins", position + "."))
        {
            ReadPlugin(plugin, pluginPosition, new PluginParents { Consumer = draft });
        }

        Finish(fields, "unknown field");
    }

    private void ReadCredential(YamlMappingNode node, string position, ConsumerDraft consumer)
    {
        var fields = new MappingFields(node, consumer.Description, position + ".", Errors);
        var key = String(fields, "key");
        string? hash = null;
        string? hint = null;
        if (key is { Length: 0 })
        {
            Error(fields.Entity, fields.Prefix + "key", "must not be empty (leave the key out to have one generated)");
        }
        else if (key is not null && KeyAuthKeys.IsHash(key))
        {
            hash = key;
        }
        else if (key is not null)
        {
            hash = KeyAuthKeys.Hash(key);
            hint = KeyAuthKeys.Hint(key);
        }

        consumer.Credentials.Add(new CredentialDraft
        {
            Field = position,
            ExplicitId = Id(fields),
            KeyHash = hash,
            KeyHint = hint,
            Tags = Strings(fields, "tags"),
            Ttl = Int(fields, "ttl"),
        });
        Finish(fields, "unknown field");
    }

    private void ReadConsumerGroup(YamlMappingNode node, string position)
    {
        var fields = new MappingFields(node, position, string.Empty, Errors);
        var name = String(fields, "name");
        if (name is null)
        {
            Error(position, "name", "required field missing");
        }
        else
        {
            fields.Entity = ConfigValidator.Describe("consumer group", name, Guid.Empty);
        }

        var draft = new ConsumerGroupDraft
        {
            Description = fields.Entity,
            ExplicitId = Id(fields),
            Value = new ConsumerGroup { Id = Guid.Empty, Name = name ?? string.Empty, Tags = Strings(fields, "tags") },
        };
        ConsumerGroups.Add(draft);
        foreach (var (member, memberPosition) in Section(fields, "consumers", string.Empty))
        {
            var memberFields = new MappingFields(member, fields.Entity, memberPosition + ".", Errors);
            if (ReferenceIn(memberFields, ReferenceBy.Username) is { } reference)
            {
                draft.Members.Add(reference);
            }

            Finish(memberFields, "unknown field");
        }

        foreach (var (plugin, pluginPosition) in Section(fields, "plugins", position + "."))
        {
            ReadPlugin(plugin, pluginPosition, new PluginParents { ConsumerGroup = draft });
        }

        Finish(fields, "unknown field");
    }

    private void ReadPlugin(YamlMappingNode node, string position, PluginParents parents)
    {
        var fields = new MappingFields(node, position, string.Empty, Errors);
        var name = String(fields, "name");
        var instanceName = String(fields, "instance_name");
        var service = Scope(fields, "service", parents.Service, ReferenceBy.Name);
        var route = Scope(fields, "route", parents.Route, ReferenceBy.Name);
        var consumer = Scope(fields, "consumer", parents.Consumer, ReferenceBy.Username);
        var group = Scope(fields, "consumer_group", parents.ConsumerGroup, ReferenceBy.Name);
        if (name is null)
        {
            Error(position, "name", "required field missing");
        }
        else
        {
            var scopes = new[] { service, route, consumer, group }.OfType<ScopeTarget>().Select(target => target.Describe()).ToList();
            fields.Entity = $"plugin '{name}'"
                + (instanceName is null ? string.Empty : $" (instance '{instanceName}')")
                + (scopes.Count == 0 ? string.Empty : " on " + string.Join(" and ", scopes));
        }

        var config = new JsonObject();
        var errorsBeforeConfig = Errors.Count;
        switch (fields.Take("config"))
        {
            case null:
                break;
            case YamlMappingNode mapping:
                config = (JsonObject)ToJson(mapping, fields.Entity, "config")!;
                break;
            case var other when IsNull(other):
                break;
            case var other:
                Error(fields.Entity, "config", $"expected a mapping, not {Found(other)}");
                break;
        }

        Plugins.Add(new PluginDraft
        {
            Description = fields.Entity,
            ExplicitId = Id(fields),
            ConfigUnreadable = Errors.Count > errorsBeforeConfig,
            Service = service,
            Route = route,
            Consumer = consumer,
            ConsumerGroup = group,
            Value = PluginDefaults with
            {
                Name = name ?? string.Empty,
                InstanceName = instanceName,
                Config = name is null ? config : PluginSchemas.WithDefaults(name, config),
                Enabled = Bool(fields, "enabled") ?? PluginDefaults.Enabled,
                Protocols = Strings(fields, "protocols") ?? PluginDefaults.Protocols,
                Tags = Strings(fields, "tags"),
            },
        });
        Finish(fields, "unknown field");
    }

    /// <summary>One scope of a plugin: inherited from the entity it is nested in, or named by its field.</summary>
    private ScopeTarget? Scope(MappingFields fields, string field, Draft? parent, ReferenceBy by)
    {
        var kind = field.Replace('_', ' ');
        var node = fields.Take(field);
        if (node is not null && !IsNull(node))
        {
            if (parent is not null)
            {
                Error(fields.Entity, field, $"the plugin is nested in {parent.Description}, which is its {kind}; remove this field");
            }
            else if (ReferenceTo(node, fields.Entity, field, by) is { } reference)
            {
                return new ScopeTarget(null, reference, kind);
            }
        }

        return parent is null ? null : new ScopeTarget(parent, null, kind);
    }

    /// <summary>A reference field: a name or id as a string, or a mapping with one of <c>id</c> and <paramref name="by"/>.</summary>
    private Reference? ReferenceTo(YamlNode node, string entity, string field, ReferenceBy by)
    {
        if (node is YamlMappingNode mapping)
        {
            var fields = new MappingFields(mapping, entity, field + ".", Errors);
            var reference = ReferenceIn(fields, by);
            Finish(fields, "unknown field");
            return reference;
        }

        return StringValue(node, entity, field) is { } value ? new Reference(value, ReferenceBy.IdOrName, field) : null;
    }

    /// <summary>A reference written as a mapping: <c>{name: x}</c> or <c>{id: x}</c> (for consumers <c>username</c> or <c>custom_id</c>).</summary>
    private Reference? ReferenceIn(MappingFields fields, ReferenceBy by)
    {
        var keys = by == ReferenceBy.Username
            ? new[] { ("username", ReferenceBy.Username), ("custom_id", ReferenceBy.CustomId), ("id", ReferenceBy.Id) }
            : [("name", ReferenceBy.Name), ("id", ReferenceBy.Id)];
        var found = new List<Reference>();
        foreach (var (key, kind) in keys)
        {
            if (String(fields, key) is { } value)
            {
                found.Add(new Reference(value, kind, fields.Prefix + key));
            }
        }

        if (found.Count == 1)
        {
            return found[0];
        }

        var names = string.Join(" or ", keys.Select(key => key.Item1));
        Error(fields.Entity, fields.Prefix.TrimEnd('.'), found.Count == 0 ? $"expected {names}" : $"expected only one of {names}");
        return null;
    }

    /// <summary>The mappings of a list field, with their positions; a missing or null field is an empty list.</summary>
    private List<(YamlMappingNode Node, string Position)> Section(MappingFields fields, string field, string positionPrefix)
    {
        var items = new List<(YamlMappingNode, string)>();
        var node = fields.Take(field);
        if (node is null || IsNull(node))
        {
            return items;
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(fields.Entity, fields.Prefix + field, $"expected a list, not {Found(node)}");
            return items;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var path = $"{field}[{i}]";
            if (sequence.Children[i] is YamlMappingNode item)
            {
                items.Add((item, positionPrefix + path));
            }
            else
            {
                Error(fields.Entity, fields.Prefix + path, $"expected a mapping, not {Found(sequence.Children[i])}");
            }
        }

        return items;
    }

    private void Finish(MappingFields fields, string message)
    {
        foreach (var (field, problem) in fields.Unknown(message))
        {
            Error(fields.Entity, field, problem);
        }
    }

    /// <summary>The entity a plugin is nested in, which sets that scope.</summary>
    private readonly record struct PluginParents(ServiceDraft? Service, RouteDraft? Route, ConsumerDraft? Consumer, ConsumerGroupDraft? ConsumerGroup);
}
