using System.Text.Json.Nodes;

namespace Tollgate.Gateway.Entities;

/// <summary>The plugins Tollgate runs, their config fields and Kong's defaults for them.</summary>
public static class PluginSchemas
{
    public const string KeyAuth = "key-auth";

    public const string AiProxy = "ai-proxy";

    /// <summary>Tollgate's own plugin: the consumer's customer must be entitled to a feature (checked in real time).</summary>
    public const string Entitlement = "entitlement";

    /// <summary>The plugin names Tollgate accepts.</summary>
    public static IReadOnlyList<string> Supported { get; } = [KeyAuth, AiProxy, Entitlement];

    /// <summary>What is wrong with the plugin's name or config; empty when it is fine.</summary>
    public static IReadOnlyList<ConfigError> Check(Plugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        var errors = new List<ConfigError>();
        switch (plugin.Name)
        {
            case KeyAuth:
                CheckKeyAuth(plugin.Config, errors);
                break;
            case AiProxy:
                CheckAiProxy(plugin.Config, errors);
                break;
            case Entitlement:
                CheckEntitlement(plugin.Config, errors);
                break;
            default:
                errors.Add(new(string.Empty, "name", $"plugin '{plugin.Name}' is not supported by Tollgate (supported: {string.Join(", ", Supported)})"));
                break;
        }

        return errors;
    }

    /// <summary>The config with every field Kong defaults filled in, as Kong stores and returns it.</summary>
    public static JsonObject WithDefaults(string name, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return name switch
        {
            KeyAuth => Merge(KeyAuthDefaults(), config),
            AiProxy => AiProxyWithDefaults(config),
            Entitlement => Merge(EntitlementDefaults(), config),
            _ => (JsonObject)config.DeepClone(),
        };
    }

    /// <summary>Kong's key-auth config after defaults.</summary>
    public static KeyAuthConfig ReadKeyAuth(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var full = Merge(KeyAuthDefaults(), config);
        return new KeyAuthConfig(
            full["key_names"] is JsonArray names ? [.. names.Select(n => n!.GetValue<string>())] : ["apikey"],
            full["hide_credentials"]?.GetValue<bool>() ?? false,
            full["key_in_header"]?.GetValue<bool>() ?? true,
            full["key_in_query"]?.GetValue<bool>() ?? true,
            full["run_on_preflight"]?.GetValue<bool>() ?? true,
            full["anonymous"]?.GetValue<string>(),
            full["realm"]?.GetValue<string>());
    }

    /// <summary>The entitlement plugin's config after defaults.</summary>
    public static EntitlementConfig ReadEntitlement(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var full = Merge(EntitlementDefaults(), config);
        return new EntitlementConfig(full["feature"]!.GetValue<string>(), full["completion_reserve_tokens"]!.GetValue<int>());
    }

    private static JsonObject EntitlementDefaults() => new()
    {
        ["feature"] = null,
        ["completion_reserve_tokens"] = EntitlementConfig.DefaultCompletionReserve,
    };

    private static void CheckEntitlement(JsonObject config, List<ConfigError> errors)
    {
        if (config["feature"] is not JsonValue feature || !feature.TryGetValue<string>(out var key) || key.Length is 0 or > 64)
        {
            errors.Add(new(string.Empty, "config.feature", "required: the key of the feature the consumer's customer must be entitled to"));
        }

        foreach (var (field, value) in config)
        {
            switch (field)
            {
                case "feature":
                    break;
                case "completion_reserve_tokens":
                    if (value is not JsonValue number || !number.TryGetValue<int>(out var reserve) || reserve < 1)
                    {
                        errors.Add(new(string.Empty, "config.completion_reserve_tokens", "expected a whole number of tokens, at least 1"));
                    }

                    break;
                default:
                    errors.Add(new(string.Empty, $"config.{field}", "unknown field"));
                    break;
            }
        }
    }

    private static JsonObject KeyAuthDefaults() => new()
    {
        ["key_names"] = new JsonArray("apikey"),
        ["hide_credentials"] = false,
        ["anonymous"] = null,
        ["key_in_header"] = true,
        ["key_in_query"] = true,
        ["key_in_body"] = false,
        ["run_on_preflight"] = true,
        ["realm"] = null,
    };

    private static void CheckKeyAuth(JsonObject config, List<ConfigError> errors)
    {
        foreach (var (field, value) in config)
        {
            switch (field)
            {
                case "key_names":
                    if (value is not JsonArray { Count: > 0 } names || names.Any(n => n is not JsonValue v || !v.TryGetValue<string>(out var s) || !IsHeaderName(s)))
                    {
                        errors.Add(new(string.Empty, "config.key_names", "expected a non-empty array of header names (letters, digits, '-' and '_')"));
                    }

                    break;
                case "hide_credentials" or "key_in_header" or "key_in_query" or "key_in_body" or "run_on_preflight":
                    if (value is not JsonValue flag || !flag.TryGetValue<bool>(out var on))
                    {
                        errors.Add(new(string.Empty, $"config.{field}", "expected a boolean"));
                    }
                    else if (on && field == "key_in_body")
                    {
                        // Accepting it would silently ignore keys sent in bodies.
                        errors.Add(new(string.Empty, "config.key_in_body", "keys in the request body are not supported by Tollgate; send the key in a header or the query string"));
                    }

                    break;
                case "anonymous" or "realm":
                    if (value is not null && (value is not JsonValue text || !text.TryGetValue<string>(out _)))
                    {
                        errors.Add(new(string.Empty, $"config.{field}", "expected a string"));
                    }

                    break;
                default:
                    errors.Add(new(string.Empty, $"config.{field}", "unknown field"));
                    break;
            }
        }
    }

    private static void CheckAiProxy(JsonObject config, List<ConfigError> errors)
    {
        var fieldErrors = new List<Ai.ConfigFieldError>();
        _ = Ai.AiProxyConfig.Parse(config, fieldErrors);
        errors.AddRange(fieldErrors.Select(e => new ConfigError(string.Empty, e.Field, e.Message)));
    }

    private static JsonObject AiProxyWithDefaults(JsonObject config) => Ai.AiProxyConfig.WithDefaults(config);

    private static bool IsHeaderName(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static JsonObject Merge(JsonObject defaults, JsonObject config)
    {
        foreach (var (field, value) in config)
        {
            defaults[field] = value?.DeepClone();
        }

        return defaults;
    }
}

/// <summary>
/// The entitlement plugin's config: the <paramref name="Feature"/> key, and the completion tokens held for a call
/// that sets no <c>max_tokens</c> (the prompt is counted; the answer's size is only known afterwards).
/// </summary>
public sealed record EntitlementConfig(string Feature, int CompletionReserveTokens)
{
    public const int DefaultCompletionReserve = 1024;
}

/// <summary>Kong's key-auth plugin config.</summary>
public sealed record KeyAuthConfig(
    IReadOnlyList<string> KeyNames,
    bool HideCredentials,
    bool KeyInHeader,
    bool KeyInQuery,
    bool RunOnPreflight,
    string? Anonymous,
    string? Realm);
