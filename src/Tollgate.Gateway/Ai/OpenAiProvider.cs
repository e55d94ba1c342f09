using System.Diagnostics.CodeAnalysis;

namespace Tollgate.Gateway.Ai;

/// <summary>
/// Providers that speak OpenAI's format: openai, azure, mistral (format openai) and llama2 (format openai, any
/// OpenAI-compatible server such as vLLM, Ollama or llama.cpp at <c>model.options.upstream_url</c>). Requests get the
/// configured model and option defaults; answers pass through byte for byte.
/// </summary>
internal sealed class OpenAiProvider : LlmProviderBase
{
    /// <summary>The first Azure API version that accepts <c>stream_options</c>.</summary>
    public const string AzureStreamOptionsApiVersion = "2024-09-01";

    private static readonly byte[] StreamOptionsProperty = "stream_options"u8.ToArray();
    private static readonly byte[] IncludeUsageProperty = "include_usage"u8.ToArray();
    private static readonly byte[] IncludeUsageObject = "{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] MaxTokensProperty = "max_tokens"u8.ToArray();
    private static readonly byte[] MaxOutputTokensProperty = "max_output_tokens"u8.ToArray();
    private static readonly byte[] TemperatureProperty = "temperature"u8.ToArray();
    private static readonly byte[] TopPProperty = "top_p"u8.ToArray();

    [ThreadStatic]
    private static PropertyEdit[]? _edits;

    private readonly byte[]? _configuredModel;
    private readonly bool _urlDependsOnModel;
    private readonly byte[]? _maxTokens;
    private readonly byte[]? _temperature;
    private readonly byte[]? _topP;
    private readonly byte[]? _authParamName;
    private readonly byte[]? _authParamValue;

    public OpenAiProvider(AiProxyConfig config, TokenEstimator estimator, TimeProvider time)
        : base(config, estimator, time)
    {
        var options = config.Model.Options;
        _configuredModel = config.Model.Name is { } name ? JsonString(name) : null;
        _urlDependsOnModel = config.Model.Provider == AiProvider.Azure && config.RouteType != AiRouteType.Responses
            && options is { AzureDeploymentId: null, UpstreamUrl: null, UpstreamPath: null } && config.Model.Name is null;
        _maxTokens = options.MaxTokens is { } max ? JsonNumber(max) : null;
        _temperature = options.Temperature is { } temperature ? JsonNumber(temperature) : null;
        _topP = options.TopP is { } topP ? JsonNumber(topP) : null;
        if (config.Auth is { ParamLocation: AuthParamLocation.Body, ParamName: { } paramName, ParamValue: { } value })
        {
            _authParamName = System.Text.Encoding.UTF8.GetBytes(paramName);
            _authParamValue = JsonString(value);
        }
    }

    public override LlmResponse TranslateResponse(UpstreamRequest request, int statusCode, ReadOnlyMemory<byte> upstreamBody)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (statusCode is < 200 or > 299)
        {
            return new LlmResponse(statusCode, upstreamBody, null, null, null);
        }

        var (model, fields) = UsageFields.ReadTopLevel(upstreamBody.Span);
        var provided = fields?.ToOpenAiUsage(model);
        if (request.RouteType == AiRouteType.Preserve && provided is null)
        {
            // Not an OpenAI-format answer we can read; nothing is known to meter.
            return new LlmResponse(statusCode, upstreamBody, null, null, model);
        }

        var needsText = provided is null || (provided.CompletionTokens == 0 && request.RouteType != AiRouteType.Embeddings);
        var text = needsText ? ResponseText.OpenAi(upstreamBody.Span) : string.Empty;
        var usage = Estimator.Resolve(request.RouteType, request.ClientBody.Span, request.EffectiveModel, provided, text, model);
        return new LlmResponse(statusCode, upstreamBody, null, usage, model);
    }

    public override IStreamTranslator CreateStreamTranslator(UpstreamRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new OpenAiStreamTranslator(request, Estimator);
    }

    protected override bool TryBuild(
        ReadOnlyMemory<byte> clientBody,
        in RequestFacts facts,
        PreparedCall call,
        ClientRequestInfo client,
        [NotNullWhen(true)] out UpstreamRequest? request,
        [NotNullWhen(false)] out LlmErrorResponse? error)
    {
        error = null;
        var routeType = Config.RouteType;
        var apiVersion = ApiVersion(client);
        var edits = _edits ??= new PropertyEdit[7];
        var count = 0;
        if (call.RequestedModel is null)
        {
            edits[count++] = new PropertyEdit(ModelProperty, _configuredModel ?? JsonString(call.EffectiveModel));
        }

        if (call.ForceStream)
        {
            edits[count++] = new PropertyEdit(StreamProperty, TrueValue);
        }

        if (call.Stream && (routeType is AiRouteType.Chat or AiRouteType.Completions) && !facts.IncludeUsage && AcceptsStreamOptions(apiVersion))
        {
            var value = facts.HasStreamOptions
                ? JsonObjectEditor.Apply(clientBody.Span[facts.StreamOptionsStart..facts.StreamOptionsEnd], [new PropertyEdit(IncludeUsageProperty, TrueValue)])
                : IncludeUsageObject;
            edits[count++] = new PropertyEdit(StreamOptionsProperty, value);
        }

        if (routeType is AiRouteType.Chat or AiRouteType.Completions or AiRouteType.Responses)
        {
            var maxName = routeType == AiRouteType.Responses ? MaxOutputTokensProperty : MaxTokensProperty;
            var hasMax = facts.HasMaxTokens || facts.HasMaxCompletionTokens || facts.HasMaxOutputTokens;
            if (_maxTokens is not null && !hasMax)
            {
                edits[count++] = new PropertyEdit(maxName, _maxTokens);
            }

            if (_temperature is not null && !facts.HasTemperature)
            {
                edits[count++] = new PropertyEdit(TemperatureProperty, _temperature);
            }

            if (_topP is not null && !facts.HasTopP)
            {
                edits[count++] = new PropertyEdit(TopPProperty, _topP);
            }
        }

        if (_authParamName is not null)
        {
            edits[count++] = new PropertyEdit(_authParamName, _authParamValue!, OnlyIfMissing: Config.Auth.AllowOverride);
        }

        var body = count == 0 ? clientBody : JsonObjectEditor.Apply(clientBody.Span, edits.AsSpan(0, count));
        edits.AsSpan(0, count).Clear();
        request = new UpstreamRequest
        {
            Provider = Config.Model.Provider,
            RouteType = routeType,
            Url = RouteUrl(call.EffectiveModel, client, apiVersion, _urlDependsOnModel),
            Headers = BuildHeaders(client, json: true),
            Body = body,
            ClientBody = clientBody,
            Stream = call.Stream,
            ClientAskedForUsage = facts.IncludeUsage,
            RequestedModel = call.RequestedModel,
            EffectiveModel = call.EffectiveModel,
            ModelNameHeader = ModelNameHeader(call.EffectiveModel),
        };
        return true;
    }

    protected override string PreserveUrl(ClientRequestInfo client) =>
        HostUrl() + (Options.UpstreamPath ?? client.Path ?? "/");

    private string? ApiVersion(ClientRequestInfo client) =>
        Config.Model.Provider != AiProvider.Azure ? null
        : TryGetQueryValue(client.Query, "api-version", out var own) ? own : Options.AzureApiVersion;

    /// <summary>
    /// Whether the upstream takes <c>stream_options</c>: Mistral refuses unknown fields (and sends usage anyway),
    /// Azure only from API version 2024-09-01.
    /// </summary>
    private bool AcceptsStreamOptions(string? apiVersion) => Config.Model.Provider switch
    {
        AiProvider.Mistral => false,
        AiProvider.Azure => string.CompareOrdinal(apiVersion, AzureStreamOptionsApiVersion) >= 0,
        _ => true,
    };

    private string HostUrl() => Config.Model.Provider switch
    {
        AiProvider.Azure => $"https://{Options.AzureInstance}.openai.azure.com",
        AiProvider.Mistral => "https://api.mistral.ai",
        _ => "https://api.openai.com",
    };

    protected override string DefaultUrl(string model)
    {
        var routeType = Config.RouteType;
        if (Options.UpstreamPath is { } path)
        {
            return HostUrl() + path;
        }

        if (Config.Model.Provider == AiProvider.Azure)
        {
            if (routeType == AiRouteType.Responses)
            {
                return HostUrl() + "/openai/responses";
            }

            var deployment = Uri.EscapeDataString(Options.AzureDeploymentId ?? Config.Model.Name ?? model);
            return HostUrl() + "/openai/deployments/" + deployment + routeType switch
            {
                AiRouteType.Completions => "/completions",
                AiRouteType.Embeddings => "/embeddings",
                _ => "/chat/completions",
            };
        }

        return HostUrl() + routeType switch
        {
            AiRouteType.Completions => "/v1/completions",
            AiRouteType.Embeddings => "/v1/embeddings",
            AiRouteType.Responses => "/v1/responses",
            _ => "/v1/chat/completions",
        };
    }
}
