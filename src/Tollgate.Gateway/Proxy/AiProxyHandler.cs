using System.Buffers;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Access;
using Tollgate.Gateway.Ai;
using Tollgate.Gateway.Usage;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The ai-proxy plugin in the request path: the client's OpenAI-format request goes to the route's provider with
/// the provider's credentials, the answer comes back in OpenAI format (streams event by event), and a successful
/// call becomes two <c>kong.llm_request</c> usage events (input and output tokens) in the outbox.
/// </summary>
internal sealed partial class AiProxyHandler(UpstreamClient upstreamClient, UsageOutbox outbox, TimeProvider time, ILogger<AiProxyHandler> logger, IGatewayAccess? access = null)
{
    /// <summary>Bodies are read whole (the provider rewrites them); anything beyond this is refused before the provider's own limit applies.</summary>
    private const int HardBodyLimit = 32 * 1024 * 1024;

    /// <summary>How long the upstream is still read after a client left mid-stream, so the usage it reports is not lost.</summary>
    private static readonly TimeSpan DrainAfterDisconnect = TimeSpan.FromSeconds(30);

    private static readonly string Source = $"tollgate-gateway/{Environment.MachineName}";

    public async Task HandleAsync(ProxyExchange exchange)
    {
        var http = exchange.Http;
        var provider = exchange.Route.AiProvider!;
        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            await WriteErrorAsync(http, OpenAiErrors.Create(StatusCodes.Status413PayloadTooLarge, $"the request body is larger than {HardBodyLimit} bytes"));
            return;
        }

        var authHeader = provider.Config.Auth.HeaderName;
        var clientSentAuth = authHeader is not null && http.Request.Headers.ContainsKey(authHeader)
            && !string.Equals(exchange.Strip.Header, authHeader, StringComparison.OrdinalIgnoreCase);
        var request = new ClientRequestInfo(exchange.UpstreamPath, http.Request.QueryString.Value, clientSentAuth);
        if (!provider.TryPrepareRequest(body, request, out var prepared, out var error))
        {
            await WriteErrorAsync(http, error);
            return;
        }

        var decision = AccessDecision.Admitted;
        if (exchange.Route.Entitlement is { } entitlement)
        {
            var consumer = exchange.Consumer?.Consumer;
            decision = access is null
                ? AccessDecision.Refuse(AccessDenial.NoAccess, "entitlements are not available on this node")
                : await access.AdmitAsync(new AccessRequest(entitlement.Feature, consumer?.Username, consumer?.CustomId, WorstCase.Tokens(prepared, body, entitlement)), http.RequestAborted);
            if (!decision.IsAdmitted)
            {
                var limited = decision.Denial == AccessDenial.LimitReached;
                await WriteErrorAsync(http, OpenAiErrors.Create(GatewayProxy.StatusOf(decision), decision.Message!, limited ? "insufficient_quota" : "permission_error"));
                return;
            }
        }

        try
        {
            await ProxyAsync(exchange, provider, prepared, decision);
        }
        finally
        {
            // Anything held and not settled by the usage (an upstream error, a timeout) is given back.
            decision.Settle(0);
        }
    }

    private async Task ProxyAsync(ProxyExchange exchange, ILlmProvider provider, UpstreamRequest prepared, AccessDecision decision)
    {
        var http = exchange.Http;
        using var upstream = new HttpRequestMessage(HttpMethod.Post, prepared.Url) { Content = new ReadOnlyMemoryContent(prepared.Body) };
        upstream.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Forwarder.CopyRequestHeaders(http, upstream, exchange.Route, exchange.Consumer, exchange.Strip, skipContentHeaders: true);
        upstream.Headers.AcceptEncoding.Clear();
        foreach (var (name, value) in prepared.Headers)
        {
            System.Net.Http.Headers.HttpHeaders headers = Forwarder.IsContentHeader(name) ? upstream.Content.Headers : upstream.Headers;
            headers.Remove(name);
            headers.TryAddWithoutValidation(name, value);
        }

        var sentAt = time.GetTimestamp();
        using var response = await upstreamClient.SendAsync(upstream, exchange.Service, bodyStreams: false, http.RequestAborted);
        var status = (int)response.StatusCode;
        Forwarder.AddLatencyHeaders(exchange, sentAt, time);
        if (prepared.ModelNameHeader is { } modelName)
        {
            http.Response.Headers[AiProxyHeaders.ModelName] = modelName;
        }

        var readTimeout = TimeSpan.FromMilliseconds(exchange.Service.ReadTimeout);
        // Usage is queued before the answer's last bytes go out, so a client holding a complete answer can count on
        // its usage being on its way to metering.
        if (status is >= 200 and < 300 && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            await StreamAsync(http, provider, prepared, response, readTimeout, usage => Record(exchange, provider, prepared, usage, status, decision));
            return;
        }

        var answer = provider.TranslateResponse(prepared, status, await ReadUpstreamAsync(response, readTimeout, http.RequestAborted));
        if (answer.StatusCode is >= 200 and < 300 && answer.Usage is { } used)
        {
            Record(exchange, provider, prepared, used, status, decision);
        }

        Forwarder.CopyResponseHeaders(response, http.Response, skipContentLength: true);
        http.Response.StatusCode = answer.StatusCode;
        http.Response.Headers.ContentEncoding = default;
        if (answer.ContentType is { } contentType)
        {
            http.Response.ContentType = contentType;
        }

        http.Response.ContentLength = answer.Body.Length;
        await http.Response.Body.WriteAsync(answer.Body, http.RequestAborted);
    }

    /// <summary>
    /// Passes the stream through event by event. When the client leaves, the upstream is still read (for at most
    /// <see cref="DrainAfterDisconnect"/>) so its usage is metered; what was never read is estimated.
    /// </summary>
    private static async Task StreamAsync(HttpContext http, ILlmProvider provider, UpstreamRequest prepared, HttpResponseMessage response, TimeSpan readTimeout, Action<LlmUsage> record)
    {
        var recorded = false;
        using var translator = provider.CreateStreamTranslator(prepared);
        Forwarder.CopyResponseHeaders(response, http.Response, skipContentLength: true);
        http.Response.Headers.ContentEncoding = default;
        http.Response.ContentType = translator.ContentType;
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var output = new ArrayBufferWriter<byte>(4096);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        using var drain = new CancellationTokenSource();
        var clientGone = false;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(CancellationToken.None);
            while (true)
            {
                if (!clientGone && http.RequestAborted.IsCancellationRequested)
                {
                    clientGone = true;
                    drain.CancelAfter(DrainAfterDisconnect);
                }

                var read = await Forwarder.ReadAsync(body, buffer, readTimeout, drain.Token);
                if (read == 0)
                {
                    translator.Complete(output);
                    record(translator.ResolveUsage());
                    recorded = true;
                    clientGone = await WriteAsync(http, output, clientGone);
                    break;
                }

                translator.Process(buffer.AsSpan(0, read), output);
                clientGone = await WriteAsync(http, output, clientGone);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException or UpstreamTimeoutException && (clientGone || http.Response.HasStarted))
        {
            // The stream ended early (the client left and the drain ran out, or the upstream broke off): meter
            // what was produced. An upstream that broke off mid-answer is the client's signal too: cut the connection.
            if (!clientGone)
            {
                http.Abort();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (!recorded)
        {
            record(translator.ResolveUsage());
        }
    }

    /// <summary>Writes and flushes what the translator produced; returns whether the client is gone.</summary>
    private static async ValueTask<bool> WriteAsync(HttpContext http, ArrayBufferWriter<byte> output, bool clientGone)
    {
        if (output.WrittenCount == 0)
        {
            return clientGone;
        }

        if (!clientGone)
        {
            try
            {
                await http.Response.Body.WriteAsync(output.WrittenMemory, http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException)
            {
                clientGone = true;
            }
        }

        output.ResetWrittenCount();
        return clientGone;
    }

    private void Record(ProxyExchange exchange, ILlmProvider provider, UpstreamRequest prepared, LlmUsage usage, int status, AccessDecision decision)
    {
        decision.Settle(usage.PromptTokens + usage.CompletionTokens);
        var consumer = exchange.Consumer?.Consumer;
        var subject = consumer?.Username ?? consumer?.CustomId ?? consumer?.Id.ToString() ?? "anonymous";
        var model = usage.AnsweredModel ?? prepared.EffectiveModel ?? prepared.RequestedModel ?? "unknown";
        var providerName = provider.Config.Model.Provider.ToWire();
        var source = usage.Source == UsageSource.Provider ? "provider" : "estimated";
        LlmRequestData Data(string type, long tokens) => new()
        {
            Tokens = tokens,
            Type = type,
            Provider = providerName,
            Model = model,
            RequestedModel = prepared.RequestedModel,
            Consumer = consumer?.Username,
            ConsumerId = consumer?.Id.ToString(),
            Service = exchange.Service.Name,
            Route = exchange.Route.Route.Name,
            HttpStatus = status,
            UsageSource = source,
            CachedTokens = type == "request" ? usage.CachedTokens : null,
            ReasoningTokens = type == "response" ? usage.ReasoningTokens : null,
            RequestId = exchange.RequestId,
        };

        var at = exchange.StartedAt.UtcTicks;
        outbox.Enqueue(new UsageEvent($"{exchange.RequestId}/request", Source, subject, at, Data("request", usage.PromptTokens)));
        outbox.Enqueue(new UsageEvent($"{exchange.RequestId}/response", Source, subject, at, Data("response", usage.CompletionTokens)));
        if (usage.Source == UsageSource.Estimated)
        {
            LogEstimated(logger, exchange.RequestId, usage.PromptTokens, usage.CompletionTokens);
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length)
        {
            // The usual case: read straight into a buffer of the declared size, no intermediate copy.
            if (length > HardBodyLimit)
            {
                return null;
            }

            var body = new byte[length];
            await request.Body.ReadExactlyAsync(body, cancellationToken);
            return body;
        }

        using var copy = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (copy.Length + read > HardBodyLimit)
                {
                    return null;
                }

                copy.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return copy.ToArray();
    }

    private static async Task<byte[]> ReadUpstreamAsync(HttpResponseMessage response, TimeSpan readTimeout, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var copy = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await Forwarder.ReadAsync(body, buffer, readTimeout, cancellationToken)) > 0)
            {
                copy.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return copy.ToArray();
    }

    private static async Task WriteErrorAsync(HttpContext http, LlmErrorResponse error)
    {
        http.Response.StatusCode = error.StatusCode;
        http.Response.ContentType = LlmErrorResponse.ContentType;
        await http.Response.Body.WriteAsync(error.Body, http.RequestAborted);
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "Request {RequestId}: the provider reported no usage; metered an estimate of {PromptTokens} input and {CompletionTokens} output tokens")]
    private static partial void LogEstimated(ILogger logger, string requestId, long promptTokens, long completionTokens);
}
