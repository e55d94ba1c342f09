using System.Text.Json.Nodes;

namespace Tollgate.Gateway.Entities;

/// <summary>
/// Provider credentials in plugin configs never leave Tollgate: the admin API and declarative dumps show them as
/// <see cref="Redacted"/>, and a change (a PATCH, or a dumped file applied again) that still carries the marker
/// keeps the stored value, so apply → dump → apply stays stable without the secret ever being written out.
/// </summary>
public static class PluginSecrets
{
    /// <summary>What is shown in place of a secret.</summary>
    public const string Redacted = "[REDACTED]";

    private static readonly string[] AuthSecrets = ["header_value", "param_value", "azure_client_secret", "gcp_service_account_json", "aws_secret_access_key"];

    /// <summary>A copy of the config with every secret replaced by <see cref="Redacted"/>.</summary>
    public static JsonObject Redact(string pluginName, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var copy = (JsonObject)config.DeepClone();
        if (pluginName == PluginSchemas.AiProxy && copy["auth"] is JsonObject auth)
        {
            foreach (var field in AuthSecrets)
            {
                if (auth[field] is not null)
                {
                    auth[field] = Redacted;
                }
            }
        }

        return copy;
    }

    /// <summary>The plugin as the outside world may see it.</summary>
    public static Plugin Redact(Plugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        return plugin with { Config = Redact(plugin.Name, plugin.Config) };
    }

    /// <summary>
    /// Puts the stored secrets of <paramref name="previous"/> back where <paramref name="config"/> carries the
    /// marker; returns the fields that carry it with nothing stored to keep.
    /// </summary>
    public static IReadOnlyList<string> Restore(string pluginName, JsonObject config, JsonObject? previous)
    {
        ArgumentNullException.ThrowIfNull(config);
        var unresolved = new List<string>();
        if (pluginName != PluginSchemas.AiProxy || config["auth"] is not JsonObject auth)
        {
            return unresolved;
        }

        foreach (var field in AuthSecrets)
        {
            if (auth[field] is JsonValue value && value.TryGetValue<string>(out var text) && text == Redacted)
            {
                if (previous?["auth"]?[field] is JsonValue stored && stored.TryGetValue<string>(out var secret) && secret != Redacted)
                {
                    auth[field] = secret;
                }
                else
                {
                    unresolved.Add($"config.auth.{field}");
                }
            }
        }

        return unresolved;
    }

    /// <summary>The error for a redacted value with nothing stored to keep.</summary>
    public const string UnresolvedMessage = "is " + Redacted + " (as the admin API and dumps show secrets) and no stored value matches it; give the secret, e.g. ${{ env \"DECK_OPENAI_TOKEN\" }}";
}
