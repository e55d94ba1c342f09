using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.Gateway.Ai;

/// <summary>The API an ai-proxy route speaks to its clients (Kong's <c>route_type</c>).</summary>
internal enum AiRouteType
{
    Chat,
    Completions,
    Embeddings,
    Responses,

    /// <summary>The body goes to the provider as the client sent it.</summary>
    Preserve,
}

/// <summary>The LLM provider behind an ai-proxy route (Kong's <c>model.provider</c> enum, including those Tollgate refuses).</summary>
internal enum AiProvider
{
    OpenAI,
    Azure,
    Anthropic,
    Cohere,
    Mistral,
    Llama2,
    Gemini,
    Bedrock,
    Huggingface,
}

/// <summary>Whether clients may stream responses (Kong's <c>response_streaming</c>).</summary>
internal enum ResponseStreaming
{
    Allow,
    Deny,
    Always,
}

/// <summary>Where <c>auth.param_name</c> goes on the upstream request.</summary>
internal enum AuthParamLocation
{
    Query,
    Body,
}

/// <summary>The names Kong uses on the wire for the ai-proxy enums.</summary>
internal static class AiWireNames
{
    public static string ToWire(this AiRouteType routeType) => routeType switch
    {
        AiRouteType.Chat => "llm/v1/chat",
        AiRouteType.Completions => "llm/v1/completions",
        AiRouteType.Embeddings => "llm/v1/embeddings",
        AiRouteType.Responses => "llm/v1/responses",
        _ => "preserve",
    };

    public static string ToWire(this AiProvider provider) => provider switch
    {
        AiProvider.OpenAI => "openai",
        AiProvider.Azure => "azure",
        AiProvider.Anthropic => "anthropic",
        AiProvider.Cohere => "cohere",
        AiProvider.Mistral => "mistral",
        AiProvider.Llama2 => "llama2",
        AiProvider.Gemini => "gemini",
        AiProvider.Bedrock => "bedrock",
        _ => "huggingface",
    };

    public static string ToWire(this ResponseStreaming streaming) => streaming switch
    {
        ResponseStreaming.Allow => "allow",
        ResponseStreaming.Deny => "deny",
        _ => "always",
    };
}

/// <summary>Kong's ai-proxy <c>auth</c> record. <see cref="ToString"/> never shows the secret values.</summary>
internal sealed record AiAuthConfig
{
    public string? HeaderName { get; init; }

    public string? HeaderValue { get; init; }

    public string? ParamName { get; init; }

    public string? ParamValue { get; init; }

    public AuthParamLocation? ParamLocation { get; init; }

    public bool AzureUseManagedIdentity { get; init; }

    /// <summary>When true, a header or parameter the client sent itself wins over the configured one.</summary>
    public bool AllowOverride { get; init; }

    public override string ToString() =>
        $"AiAuthConfig {{ HeaderName = {HeaderName}, HeaderValue = {Redact(HeaderValue)}, ParamName = {ParamName}, "
        + $"ParamValue = {Redact(ParamValue)}, ParamLocation = {ParamLocation}, AzureUseManagedIdentity = {AzureUseManagedIdentity}, "
        + $"AllowOverride = {AllowOverride} }}";

    private static string? Redact(string? secret) => secret is null ? null : "[redacted]";
}

/// <summary>Kong's ai-proxy <c>model.options</c> record, with Tollgate's defaults applied for the provider.</summary>
internal sealed record AiModelOptions
{
    public const string DefaultAzureApiVersion = "2023-05-15";

    public const string DefaultAnthropicVersion = "2023-06-01";

    public int? MaxTokens { get; init; }

    public double? InputCost { get; init; }

    public double? OutputCost { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public string? AnthropicVersion { get; init; }

    public string? AzureInstance { get; init; }

    public string AzureApiVersion { get; init; } = DefaultAzureApiVersion;

    public string? AzureDeploymentId { get; init; }

    /// <summary><c>openai</c> or <c>ollama</c>; Tollgate serves <c>openai</c>.</summary>
    public string? MistralFormat { get; init; }

    /// <summary><c>openai</c>, <c>ollama</c> or <c>raw</c>; Tollgate serves <c>openai</c>.</summary>
    public string? Llama2Format { get; init; }

    /// <summary>When set, the whole upstream URL (Kong's behaviour): the provider's default host and path are ignored.</summary>
    public Uri? UpstreamUrl { get; init; }

    /// <summary>Replaces the provider's default path when <see cref="UpstreamUrl"/> is not set.</summary>
    public string? UpstreamPath { get; init; }
}

/// <summary>Kong's ai-proxy <c>model</c> record.</summary>
internal sealed record AiModelConfig
{
    public required AiProvider Provider { get; init; }

    /// <summary>The model every request must use; null lets the client choose.</summary>
    public string? Name { get; init; }

    public AiModelOptions Options { get; init; } = new();
}

/// <summary>Kong's ai-proxy <c>logging</c> record.</summary>
internal sealed record AiLoggingConfig
{
    public bool LogStatistics { get; init; }

    public bool LogPayloads { get; init; }
}

/// <summary>
/// Kong's ai-proxy plugin config (Kong 3.x schema), parsed and validated. Fields Kong knows but Tollgate does not
/// serve are accepted when null or false (as decK exports them) and refused with a message otherwise.
/// </summary>
internal sealed record AiProxyConfig
{
    public const int DefaultMaxRequestBodySize = 8 * 1024;

    private static readonly string[] TopFields =
        ["route_type", "llm_format", "response_streaming", "max_request_body_size", "model_name_header", "auth", "model", "logging"];

    private static readonly string[] AuthFields =
    [
        "header_name", "header_value", "param_name", "param_value", "param_location", "azure_use_managed_identity",
        "azure_client_id", "azure_client_secret", "azure_tenant_id", "gcp_use_service_account", "gcp_service_account_json",
        "aws_access_key_id", "aws_secret_access_key", "allow_override",
    ];

    private static readonly string[] UnservedAuthStrings =
        ["azure_client_id", "azure_client_secret", "azure_tenant_id", "gcp_service_account_json", "aws_access_key_id", "aws_secret_access_key"];

    private static readonly string[] ModelFields = ["provider", "name", "options"];

    private static readonly string[] OptionFields =
    [
        "max_tokens", "input_cost", "output_cost", "temperature", "top_p", "top_k", "anthropic_version", "azure_instance",
        "azure_api_version", "azure_deployment_id", "llama2_format", "mistral_format", "upstream_url", "upstream_path",
        "gemini", "bedrock", "huggingface",
    ];

    private static readonly string[] UnservedOptionRecords = ["gemini", "bedrock", "huggingface"];

    private static readonly string[] LoggingFields = ["log_statistics", "log_payloads"];

    private static readonly string[] RouteTypes =
        ["llm/v1/chat", "llm/v1/completions", "llm/v1/embeddings", "llm/v1/responses", "preserve"];

    private static readonly string[] Providers =
        ["openai", "azure", "anthropic", "cohere", "mistral", "llama2", "gemini", "bedrock", "huggingface"];

    private static readonly string[] LlmFormats = ["openai", "bedrock", "gemini"];

    private static readonly string[] StreamingModes = ["allow", "deny", "always"];

    private static readonly string[] ParamLocations = ["query", "body"];

    private static readonly string[] MistralFormats = ["openai", "ollama"];

    private static readonly string[] Llama2Formats = ["raw", "openai", "ollama"];

    public required AiRouteType RouteType { get; init; }

    public AiAuthConfig Auth { get; init; } = new();

    public required AiModelConfig Model { get; init; }

    public AiLoggingConfig Logging { get; init; } = new();

    public ResponseStreaming ResponseStreaming { get; init; } = ResponseStreaming.Allow;

    /// <summary>Whether responses carry <c>X-Kong-LLM-Model: provider/model</c>.</summary>
    public bool ModelNameHeader { get; init; } = true;

    /// <summary>The largest client body, in bytes, the plugin reads (Kong's default 8 KiB).</summary>
    public int MaxRequestBodySize { get; init; } = DefaultMaxRequestBodySize;

    /// <summary>Parses and validates a plugin config; on any error returns null and adds to <paramref name="errors"/>.</summary>
    public static AiProxyConfig? Parse(JsonObject config, List<ConfigFieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var read = new FieldReader(errors);
        read.Unknown(config, "config", TopFields);

        var routeType = read.OneOf(config, "route_type", "config", RouteTypes, required: true);
        var llmFormat = read.OneOf(config, "llm_format", "config", LlmFormats);
        if (llmFormat is not null and not "openai")
        {
            read.Add("config.llm_format", $"'{llmFormat}' is not supported by Tollgate; clients speak the OpenAI format ('openai')");
        }

        var streaming = read.OneOf(config, "response_streaming", "config", StreamingModes);
        var maxBody = read.Integer(config, "max_request_body_size", "config", 1, int.MaxValue);
        var modelNameHeader = read.Bool(config, "model_name_header", "config");
        var auth = ReadAuth(read, read.Record(config, "auth", "config"));
        var logging = ReadLogging(read, read.Record(config, "logging", "config"));
        var model = ReadModel(read, read.Record(config, "model", "config", required: true));

        if (errors.Count > before || routeType is null || model is null)
        {
            return null;
        }

        var parsed = new AiProxyConfig
        {
            RouteType = Array.IndexOf(RouteTypes, routeType) switch
            {
                0 => AiRouteType.Chat,
                1 => AiRouteType.Completions,
                2 => AiRouteType.Embeddings,
                3 => AiRouteType.Responses,
                _ => AiRouteType.Preserve,
            },
            Auth = auth,
            Model = model,
            Logging = logging,
            ResponseStreaming = streaming switch
            {
                "deny" => ResponseStreaming.Deny,
                "always" => ResponseStreaming.Always,
                _ => ResponseStreaming.Allow,
            },
            ModelNameHeader = modelNameHeader ?? true,
            MaxRequestBodySize = (int)(maxBody ?? DefaultMaxRequestBodySize),
        };
        parsed.CheckCombination(read);
        return errors.Count > before ? null : parsed;
    }

    /// <summary>The config with Kong's defaults filled in, as the admin API returns it; an invalid config comes back unchanged.</summary>
    public static JsonObject WithDefaults(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var parsed = Parse(config, []);
        return parsed is null ? (JsonObject)config.DeepClone() : parsed.Normalize();
    }

    /// <summary>The config as a JSON object with every field Kong's schema has, defaults filled and unset fields null.</summary>
    public JsonObject Normalize()
    {
        var options = Model.Options;
        return new JsonObject
        {
            ["route_type"] = RouteType.ToWire(),
            ["llm_format"] = "openai",
            ["response_streaming"] = ResponseStreaming.ToWire(),
            ["max_request_body_size"] = MaxRequestBodySize,
            ["model_name_header"] = ModelNameHeader,
            ["auth"] = new JsonObject
            {
                ["header_name"] = Auth.HeaderName,
                ["header_value"] = Auth.HeaderValue,
                ["param_name"] = Auth.ParamName,
                ["param_value"] = Auth.ParamValue,
                ["param_location"] = Auth.ParamLocation switch
                {
                    AuthParamLocation.Query => "query",
                    AuthParamLocation.Body => "body",
                    _ => null,
                },
                ["azure_use_managed_identity"] = Auth.AzureUseManagedIdentity,
                ["azure_client_id"] = null,
                ["azure_client_secret"] = null,
                ["azure_tenant_id"] = null,
                ["gcp_use_service_account"] = false,
                ["gcp_service_account_json"] = null,
                ["aws_access_key_id"] = null,
                ["aws_secret_access_key"] = null,
                ["allow_override"] = Auth.AllowOverride,
            },
            ["model"] = new JsonObject
            {
                ["provider"] = Model.Provider.ToWire(),
                ["name"] = Model.Name,
                ["options"] = new JsonObject
                {
                    ["max_tokens"] = options.MaxTokens,
                    ["input_cost"] = options.InputCost,
                    ["output_cost"] = options.OutputCost,
                    ["temperature"] = options.Temperature,
                    ["top_p"] = options.TopP,
                    ["top_k"] = options.TopK,
                    ["anthropic_version"] = options.AnthropicVersion,
                    ["azure_instance"] = options.AzureInstance,
                    ["azure_api_version"] = options.AzureApiVersion,
                    ["azure_deployment_id"] = options.AzureDeploymentId,
                    ["llama2_format"] = options.Llama2Format,
                    ["mistral_format"] = options.MistralFormat,
                    ["upstream_url"] = options.UpstreamUrl?.OriginalString,
                    ["upstream_path"] = options.UpstreamPath,
                    ["gemini"] = null,
                    ["bedrock"] = null,
                    ["huggingface"] = null,
                },
            },
            ["logging"] = new JsonObject
            {
                ["log_statistics"] = Logging.LogStatistics,
                ["log_payloads"] = Logging.LogPayloads,
            },
        };
    }

    private static AiAuthConfig ReadAuth(FieldReader read, JsonObject? auth)
    {
        if (auth is null)
        {
            return new AiAuthConfig();
        }

        const string At = "config.auth";
        read.Unknown(auth, At, AuthFields);
        var parsed = new AiAuthConfig
        {
            HeaderName = read.String(auth, "header_name", At),
            HeaderValue = read.String(auth, "header_value", At),
            ParamName = read.String(auth, "param_name", At),
            ParamValue = read.String(auth, "param_value", At),
            ParamLocation = read.OneOf(auth, "param_location", At, ParamLocations) switch
            {
                "query" => AuthParamLocation.Query,
                "body" => AuthParamLocation.Body,
                _ => null,
            },
            AzureUseManagedIdentity = read.Bool(auth, "azure_use_managed_identity", At) ?? false,
            AllowOverride = read.Bool(auth, "allow_override", At) ?? false,
        };

        if (parsed.AzureUseManagedIdentity)
        {
            read.Add(At + ".azure_use_managed_identity", "managed identity is not supported by Tollgate; set auth.header_name to 'api-key' and auth.header_value to the key");
        }

        if (read.Bool(auth, "gcp_use_service_account", At) == true)
        {
            read.Add(At + ".gcp_use_service_account", "is not supported by Tollgate");
        }

        foreach (var name in UnservedAuthStrings)
        {
            if (read.String(auth, name, At) is not null)
            {
                read.Add(At + "." + name, "is not supported by Tollgate");
            }
        }

        if ((parsed.HeaderName is null) != (parsed.HeaderValue is null))
        {
            read.Add(At, "all or none of these fields must be set: 'header_name', 'header_value'");
        }

        if ((parsed.ParamName is null) != (parsed.ParamValue is null) || (parsed.ParamName is null) != (parsed.ParamLocation is null))
        {
            read.Add(At, "all or none of these fields must be set: 'param_name', 'param_value', 'param_location'");
        }

        return parsed;
    }

    private static AiLoggingConfig ReadLogging(FieldReader read, JsonObject? logging)
    {
        if (logging is null)
        {
            return new AiLoggingConfig();
        }

        read.Unknown(logging, "config.logging", LoggingFields);
        return new AiLoggingConfig
        {
            LogStatistics = read.Bool(logging, "log_statistics", "config.logging") ?? false,
            LogPayloads = read.Bool(logging, "log_payloads", "config.logging") ?? false,
        };
    }

    private static AiModelConfig? ReadModel(FieldReader read, JsonObject? model)
    {
        if (model is null)
        {
            return null;
        }

        read.Unknown(model, "config.model", ModelFields);
        var providerName = read.OneOf(model, "provider", "config.model", Providers, required: true);
        var name = read.String(model, "name", "config.model");
        var options = read.Record(model, "options", "config.model");
        if (providerName is null)
        {
            return null;
        }

        var provider = (AiProvider)Array.IndexOf(Providers, providerName);
        return new AiModelConfig
        {
            Provider = provider,
            Name = name,
            Options = ReadOptions(read, options, provider),
        };
    }

    private static AiModelOptions ReadOptions(FieldReader read, JsonObject? options, AiProvider provider)
    {
        var mistralDefault = provider == AiProvider.Mistral ? "openai" : null;
        var llama2Default = provider == AiProvider.Llama2 ? "openai" : null;
        var anthropicDefault = provider == AiProvider.Anthropic ? AiModelOptions.DefaultAnthropicVersion : null;
        if (options is null)
        {
            return new AiModelOptions { MistralFormat = mistralDefault, Llama2Format = llama2Default, AnthropicVersion = anthropicDefault };
        }

        const string At = "config.model.options";
        read.Unknown(options, At, OptionFields);
        foreach (var name in UnservedOptionRecords)
        {
            if (options[name] is not null)
            {
                read.Add(At + "." + name, "is not supported by Tollgate");
            }
        }

        return new AiModelOptions
        {
            MaxTokens = (int?)read.Integer(options, "max_tokens", At, 1, int.MaxValue),
            InputCost = read.Number(options, "input_cost", At, 0, double.MaxValue),
            OutputCost = read.Number(options, "output_cost", At, 0, double.MaxValue),
            Temperature = read.Number(options, "temperature", At, 0, 5),
            TopP = read.Number(options, "top_p", At, 0, 1),
            TopK = (int?)read.Integer(options, "top_k", At, 0, 500),
            AnthropicVersion = read.String(options, "anthropic_version", At) ?? anthropicDefault,
            AzureInstance = read.String(options, "azure_instance", At),
            AzureApiVersion = read.String(options, "azure_api_version", At) ?? AiModelOptions.DefaultAzureApiVersion,
            AzureDeploymentId = read.String(options, "azure_deployment_id", At),
            Llama2Format = read.OneOf(options, "llama2_format", At, Llama2Formats) ?? llama2Default,
            MistralFormat = read.OneOf(options, "mistral_format", At, MistralFormats) ?? mistralDefault,
            UpstreamUrl = read.Url(options, "upstream_url", At),
            UpstreamPath = read.String(options, "upstream_path", At),
        };
    }

    /// <summary>Rules across fields: providers and route types Tollgate serves, and what each provider needs.</summary>
    private void CheckCombination(FieldReader read)
    {
        var provider = Model.Provider;
        var options = Model.Options;
        switch (provider)
        {
            case AiProvider.Cohere or AiProvider.Gemini or AiProvider.Bedrock or AiProvider.Huggingface:
                read.Add("config.model.provider", $"provider '{provider.ToWire()}' is not supported by Tollgate; use openai, azure, anthropic, mistral or llama2 (any OpenAI-compatible server with model.options.upstream_url)");
                return;
            case AiProvider.Azure:
                if (options.UpstreamUrl is null && options.AzureInstance is null)
                {
                    read.Add("config.model.options.azure_instance", "must set 'model.options.azure_instance' for azure provider");
                }

                if (options.UpstreamUrl is null && options.AzureDeploymentId is null && Model.Name is null && RouteType != AiRouteType.Responses && RouteType != AiRouteType.Preserve)
                {
                    read.Add("config.model.options.azure_deployment_id", "must set 'model.options.azure_deployment_id' (or 'model.name') for azure provider");
                }

                break;
            case AiProvider.Mistral when options.MistralFormat == "ollama":
                read.Add("config.model.options.mistral_format", "'ollama' is not supported by Tollgate; use 'openai' with the server's OpenAI-compatible endpoint in model.options.upstream_url");
                break;
            case AiProvider.Llama2:
                if (options.Llama2Format is "raw" or "ollama")
                {
                    read.Add("config.model.options.llama2_format", $"'{options.Llama2Format}' is not supported by Tollgate; use 'openai' with the server's OpenAI-compatible endpoint in model.options.upstream_url");
                }

                if (options.UpstreamUrl is null)
                {
                    read.Add("config.model.options.upstream_url", "must set 'model.options.upstream_url' for llama2 provider");
                }

                break;
        }

        var served = provider switch
        {
            AiProvider.Anthropic => RouteType is AiRouteType.Chat or AiRouteType.Preserve,
            AiProvider.Mistral => RouteType is AiRouteType.Chat or AiRouteType.Embeddings or AiRouteType.Preserve,
            _ => true,
        };
        if (!served)
        {
            read.Add("config.route_type", $"route type '{RouteType.ToWire()}' is not supported for provider {provider.ToWire()}");
        }
    }

    /// <summary>Reads typed fields, treating JSON null as absent, and records Kong-style errors.</summary>
    private sealed class FieldReader(List<ConfigFieldError> errors)
    {
        public void Add(string field, string message) => errors.Add(new ConfigFieldError(field, message));

        public void Unknown(JsonObject record, string at, string[] known)
        {
            foreach (var (name, _) in record)
            {
                if (Array.IndexOf(known, name) < 0)
                {
                    Add(at + "." + name, "unknown field");
                }
            }
        }

        public JsonObject? Record(JsonObject record, string name, string at, bool required = false)
        {
            var node = record[name];
            if (node is null)
            {
                if (required)
                {
                    Add(at + "." + name, "required field missing");
                }

                return null;
            }

            if (node is JsonObject value)
            {
                return value;
            }

            Add(at + "." + name, "expected a record");
            return null;
        }

        public string? String(JsonObject record, string name, string at, bool required = false)
        {
            var node = record[name];
            if (node is null)
            {
                if (required)
                {
                    Add(at + "." + name, "required field missing");
                }

                return null;
            }

            if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.TryGetValue<string>(out var text))
            {
                if (text.Length > 0)
                {
                    return text;
                }

                Add(at + "." + name, "length must be at least 1");
                return null;
            }

            Add(at + "." + name, "expected a string");
            return null;
        }

        public string? OneOf(JsonObject record, string name, string at, string[] allowed, bool required = false)
        {
            var text = String(record, name, at, required);
            if (text is null || Array.IndexOf(allowed, text) >= 0)
            {
                return text;
            }

            Add(at + "." + name, "expected one of: " + string.Join(", ", allowed));
            return null;
        }

        public bool? Bool(JsonObject record, string name, string at)
        {
            var node = record[name];
            if (node is null)
            {
                return null;
            }

            switch (node.GetValueKind())
            {
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    Add(at + "." + name, "expected a boolean");
                    return null;
            }
        }

        public double? Number(JsonObject record, string name, string at, double min, double max)
        {
            var node = record[name];
            if (node is null)
            {
                return null;
            }

            if (node.GetValueKind() != JsonValueKind.Number
                || !double.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                Add(at + "." + name, "expected a number");
                return null;
            }

            if (number < min || number > max)
            {
                Add(at + "." + name, max == double.MaxValue
                    ? $"value must be at least {min.ToString(CultureInfo.InvariantCulture)}"
                    : $"value should be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }

            return number;
        }

        public long? Integer(JsonObject record, string name, string at, long min, long max)
        {
            var node = record[name];
            if (node is null)
            {
                return null;
            }

            if (node.GetValueKind() != JsonValueKind.Number
                || !double.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                || number != Math.Floor(number) || double.IsInfinity(number))
            {
                Add(at + "." + name, "expected an integer");
                return null;
            }

            if (number < min || number > max)
            {
                Add(at + "." + name, max == int.MaxValue
                    ? $"value must be greater than {(min - 1).ToString(CultureInfo.InvariantCulture)}"
                    : $"value should be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }

            return (long)number;
        }

        public Uri? Url(JsonObject record, string name, string at)
        {
            var text = String(record, name, at);
            if (text is null)
            {
                return null;
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.Host.Length > 0)
            {
                return url;
            }

            Add(at + "." + name, "must be an absolute http or https URL");
            return null;
        }
    }
}
