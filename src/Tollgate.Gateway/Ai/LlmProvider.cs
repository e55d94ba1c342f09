using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>
/// One ai-proxy route's provider adapter: turns the client's OpenAI-format request into the provider's, and the
/// provider's answer back into OpenAI format, with the usage to meter. Built once per plugin config; thread-safe.
/// </summary>
internal interface ILlmProvider
{
    AiProxyConfig Config { get; }

    /// <summary>The upstream request for a client body, or the 4xx answer to give the client instead.</summary>
    bool TryPrepareRequest(
        ReadOnlyMemory<byte> clientBody,
        ClientRequestInfo client,
        [NotNullWhen(true)] out UpstreamRequest? request,
        [NotNullWhen(false)] out LlmErrorResponse? error);

    /// <summary>A whole (non-streaming) upstream answer, translated for the client, with the usage to meter for a 2xx.</summary>
    LlmResponse TranslateResponse(UpstreamRequest request, int statusCode, ReadOnlyMemory<byte> upstreamBody);

    /// <summary>A translator for a 2xx <c>text/event-stream</c> answer; dispose it when done.</summary>
    IStreamTranslator CreateStreamTranslator(UpstreamRequest request);
}

/// <summary>Builds the adapter for a parsed ai-proxy config.</summary>
internal static class LlmProviders
{
    /// <summary>Whether Tollgate proxies to <paramref name="provider"/> (Kong's config accepts more than Tollgate serves).</summary>
    public static bool Serves(AiProvider provider) =>
        provider is AiProvider.Anthropic or AiProvider.OpenAI or AiProvider.Azure or AiProvider.Mistral or AiProvider.Llama2;

    public static ILlmProvider Create(AiProxyConfig config, TokenEstimator? estimator = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        estimator ??= TokenEstimator.Shared;
        time ??= TimeProvider.System;
        return config.Model.Provider switch
        {
            AiProvider.Anthropic => new AnthropicProvider(config, estimator, time),
            var provider when Serves(provider) => new OpenAiProvider(config, estimator, time),
            _ => throw new ArgumentException($"provider '{config.Model.Provider.ToWire()}' is not supported by Tollgate", nameof(config)),
        };
    }
}

/// <summary>The ai-proxy providers Tollgate serves, by the names usage events carry (<c>provider</c>: openai, anthropic, ...).</summary>
public static class AiProviders
{
    /// <summary>Wire names of the providers an ai-proxy plugin can send traffic to.</summary>
    public static IReadOnlyList<string> Served { get; } = [.. Enum.GetValues<AiProvider>().Where(LlmProviders.Serves).Select(p => p.ToWire())];
}

/// <summary>What every adapter does alike: limits, validation for the route type, the model rule, streaming rules, URL and auth.</summary>
internal abstract class LlmProviderBase : ILlmProvider
{
    protected static readonly byte[] ModelProperty = "model"u8.ToArray();
    protected static readonly byte[] StreamProperty = "stream"u8.ToArray();
    protected static readonly byte[] TrueValue = "true"u8.ToArray();

    // Filled on first use; a race only builds the same value twice.
    private readonly IReadOnlyList<KeyValuePair<string, string>>?[] _headers = new IReadOnlyList<KeyValuePair<string, string>>?[4];
    private Uri? _fixedUrl;

    protected LlmProviderBase(AiProxyConfig config, TokenEstimator estimator, TimeProvider time)
    {
        Config = config;
        Estimator = estimator;
        Time = time;
    }

    public AiProxyConfig Config { get; }

    protected TokenEstimator Estimator { get; }

    protected TimeProvider Time { get; }

    protected AiModelOptions Options => Config.Model.Options;

    public bool TryPrepareRequest(
        ReadOnlyMemory<byte> clientBody,
        ClientRequestInfo client,
        [NotNullWhen(true)] out UpstreamRequest? request,
        [NotNullWhen(false)] out LlmErrorResponse? error)
    {
        request = null;
        error = null;
        if (clientBody.Length > Config.MaxRequestBodySize)
        {
            error = OpenAiErrors.Create(413, $"request body is larger than the {Config.MaxRequestBodySize.ToString(CultureInfo.InvariantCulture)} bytes this route accepts (config.max_request_body_size)");
            return false;
        }

        if (Config.RouteType == AiRouteType.Preserve)
        {
            request = PreparePreserve(clientBody, client);
            return true;
        }

        var problem = RequestFacts.Scan(clientBody.Span, out var facts) ?? CheckShape(Config.RouteType, facts);
        if (problem is not null)
        {
            error = OpenAiErrors.Create(400, problem);
            return false;
        }

        var configured = Config.Model.Name;
        var requested = facts.ModelIsString && facts.Model!.Length > 0 ? facts.Model : null;
        if (configured is not null && requested is not null && !string.Equals(requested, configured, StringComparison.Ordinal))
        {
            error = OpenAiErrors.Create(400, "cannot use own model - must be: " + configured);
            return false;
        }

        var effective = configured ?? requested;
        if (effective is null)
        {
            error = OpenAiErrors.Create(400, "model parameter not found in request, nor in gateway configuration");
            return false;
        }

        var streamable = Config.RouteType is AiRouteType.Chat or AiRouteType.Completions or AiRouteType.Responses;
        if (streamable && facts.Stream && Config.ResponseStreaming == ResponseStreaming.Deny)
        {
            error = OpenAiErrors.Create(400, "response streaming is not enabled for this LLM");
            return false;
        }

        var call = new PreparedCall(
            requested,
            effective,
            streamable && (facts.Stream || Config.ResponseStreaming == ResponseStreaming.Always),
            streamable && !facts.Stream && Config.ResponseStreaming == ResponseStreaming.Always);
        return TryBuild(clientBody, facts, call, client, out request, out error);
    }

    public abstract LlmResponse TranslateResponse(UpstreamRequest request, int statusCode, ReadOnlyMemory<byte> upstreamBody);

    public abstract IStreamTranslator CreateStreamTranslator(UpstreamRequest request);

    /// <summary>Builds the provider's request from a client body that passed the shared checks.</summary>
    protected abstract bool TryBuild(
        ReadOnlyMemory<byte> clientBody,
        in RequestFacts facts,
        PreparedCall call,
        ClientRequestInfo client,
        [NotNullWhen(true)] out UpstreamRequest? request,
        [NotNullWhen(false)] out LlmErrorResponse? error);

    /// <summary>The provider's URL for route type preserve, before the query; the client's path goes on the provider's host.</summary>
    protected abstract string PreserveUrl(ClientRequestInfo client);

    /// <summary>Headers the provider always needs besides auth (such as <c>anthropic-version</c>).</summary>
    protected virtual void AddProviderHeaders(List<KeyValuePair<string, string>> headers)
    {
    }

    /// <summary>
    /// The upstream URL: <c>model.options.upstream_url</c> when set (as Kong, it replaces host and path), else the
    /// provider's host with <c>upstream_path</c> or the route type's path; then <c>api-version</c> and the auth query parameter.
    /// </summary>
    protected Uri BuildUrl(string defaultUrl, ClientRequestInfo client, string? apiVersion)
    {
        var url = new StringBuilder(Options.UpstreamUrl?.OriginalString ?? defaultUrl);
        var hasQuery = url.ToString().Contains('?', StringComparison.Ordinal);
        if (apiVersion is not null && !url.ToString().Contains("api-version=", StringComparison.Ordinal))
        {
            AppendQuery(url, ref hasQuery, "api-version", apiVersion);
        }

        var auth = Config.Auth;
        if (auth is { ParamLocation: AuthParamLocation.Query, ParamName: { } name, ParamValue: { } value })
        {
            var chosen = auth.AllowOverride && TryGetQueryValue(client.Query, name, out var own) ? own : value;
            AppendQuery(url, ref hasQuery, name, chosen);
        }

        return new Uri(url.ToString(), UriKind.Absolute);
    }

    /// <summary>
    /// The route's URL for a call, built once and reused unless it depends on the client's query (azure's api-version,
    /// an overridable auth parameter) or on the model (an azure deployment named by the request).
    /// </summary>
    protected Uri RouteUrl(string model, ClientRequestInfo client, string? apiVersion, bool dependsOnModel)
    {
        var clientQueryMatters = Config.Model.Provider == AiProvider.Azure || Config.Auth is { ParamLocation: AuthParamLocation.Query, AllowOverride: true };
        return dependsOnModel || (clientQueryMatters && !string.IsNullOrEmpty(client.Query))
            ? BuildUrl(DefaultUrl(model), client, apiVersion)
            : _fixedUrl ??= BuildUrl(DefaultUrl(model), client, apiVersion);
    }

    /// <summary>The provider's URL for the route type (without query), used when <c>upstream_url</c> is not set.</summary>
    protected abstract string DefaultUrl(string model);

    /// <summary>The auth header (unless the client's own wins under allow_override), JSON content type, identity encoding, provider headers.</summary>
    protected IReadOnlyList<KeyValuePair<string, string>> BuildHeaders(ClientRequestInfo client, bool json)
    {
        var keepClientAuth = Config.Auth.AllowOverride && client.HasAuthHeader;
        var slot = (json ? 2 : 0) + (keepClientAuth ? 1 : 0);
        return _headers[slot] ??= CreateHeaders(keepClientAuth, json);
    }

    private KeyValuePair<string, string>[] CreateHeaders(bool keepClientAuth, bool json)
    {
        var headers = new List<KeyValuePair<string, string>>(4);
        var auth = Config.Auth;
        if (auth is { HeaderName: { } name, HeaderValue: { } value } && !keepClientAuth)
        {
            headers.Add(new(name, value));
        }

        if (json)
        {
            headers.Add(new("Content-Type", "application/json"));
        }

        // Usage is read from the body, so it must come back uncompressed.
        headers.Add(new("Accept-Encoding", "identity"));
        AddProviderHeaders(headers);
        return [.. headers];
    }

    protected string? ModelNameHeader(string? model) =>
        Config.ModelNameHeader && model is not null ? Config.Model.Provider.ToWire() + "/" + model : null;

    protected static byte[] JsonString(string value)
    {
        var encoded = JsonEncodedText.Encode(value, OpenAiErrors.WriterOptions.Encoder).EncodedUtf8Bytes;
        var json = new byte[encoded.Length + 2];
        json[0] = (byte)'"';
        encoded.CopyTo(json.AsSpan(1));
        json[^1] = (byte)'"';
        return json;
    }

    protected static byte[] JsonNumber(double value) => Encoding.UTF8.GetBytes(value.ToString("R", CultureInfo.InvariantCulture));

    protected static bool TryGetQueryValue(string? query, string name, [NotNullWhen(true)] out string? value)
    {
        value = null;
        if (string.IsNullOrEmpty(query))
        {
            return false;
        }

        var rest = query.AsSpan();
        if (rest[0] == '?')
        {
            rest = rest[1..];
        }

        while (!rest.IsEmpty)
        {
            var amp = rest.IndexOf('&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? default : rest[(amp + 1)..];
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            if (Uri.UnescapeDataString(key.ToString()).Equals(name, StringComparison.Ordinal))
            {
                value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].ToString().Replace('+', ' '));
                return true;
            }
        }

        return false;
    }

    private static string? CheckShape(AiRouteType routeType, in RequestFacts facts)
    {
        if (facts.HasModel && !facts.ModelIsString)
        {
            return "'model' must be a string";
        }

        return routeType switch
        {
            AiRouteType.Chat when facts.Messages != JsonTokenType.StartArray || facts.MessageCount == 0 =>
                "'messages' must be a non-empty array for route type llm/v1/chat",
            AiRouteType.Completions when facts.Prompt is not (JsonTokenType.String or JsonTokenType.StartArray) =>
                "'prompt' must be a string or an array for route type llm/v1/completions",
            AiRouteType.Embeddings when facts.Input is not (JsonTokenType.String or JsonTokenType.StartArray) =>
                "'input' must be a string or an array for route type llm/v1/embeddings",
            AiRouteType.Responses when facts.Input is not (JsonTokenType.String or JsonTokenType.StartArray) && facts.Prompt == JsonTokenType.None =>
                "'input' must be a string or an array for route type llm/v1/responses",
            _ => null,
        };
    }

    private static void AppendQuery(StringBuilder url, ref bool hasQuery, string name, string value)
    {
        url.Append(hasQuery ? '&' : '?').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        hasQuery = true;
    }

    /// <summary>Route type preserve: the body goes as it came, to the provider's host and the client's path.</summary>
    private UpstreamRequest PreparePreserve(ReadOnlyMemory<byte> clientBody, ClientRequestInfo client)
    {
        // Best effort: a body that is not a JSON object just has no model or stream flag to report.
        _ = RequestFacts.Scan(clientBody.Span, out var facts);
        var requested = facts.ModelIsString ? facts.Model : null;
        var effective = Config.Model.Name ?? requested;
        return new UpstreamRequest
        {
            Provider = Config.Model.Provider,
            RouteType = AiRouteType.Preserve,
            Url = BuildUrl(PreserveUrl(client), client, PreserveApiVersion(client)),
            Headers = BuildHeaders(client, json: false),
            Body = clientBody,
            ClientBody = clientBody,
            Stream = facts.Stream,
            ClientAskedForUsage = true,
            RequestedModel = requested,
            EffectiveModel = effective,
            ModelNameHeader = ModelNameHeader(effective),
        };
    }

    private string? PreserveApiVersion(ClientRequestInfo client) =>
        Config.Model.Provider != AiProvider.Azure ? null
        : TryGetQueryValue(client.Query, "api-version", out var own) ? own : Options.AzureApiVersion;
}

/// <summary>The decisions the shared checks made about one call.</summary>
/// <param name="RequestedModel">The model the client named, if any.</param>
/// <param name="EffectiveModel">The model to call.</param>
/// <param name="Stream">Whether the upstream is asked to stream.</param>
/// <param name="ForceStream">Streaming because <c>response_streaming</c> is always, not because the client asked.</param>
internal readonly record struct PreparedCall(string? RequestedModel, string EffectiveModel, bool Stream, bool ForceStream);
