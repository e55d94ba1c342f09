using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tollgate.Server.Tests.Infrastructure.FakeLlm;

/// <summary>
/// Anthropic's Messages API: <c>POST /v1/messages</c> (streaming and not) and <c>POST /v1/messages/count_tokens</c>.
/// Headers such as <c>x-api-key</c> and <c>anthropic-version</c> are recorded, not checked.
/// </summary>
internal static class AnthropicHandlers
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", MessagesAsync);
        app.MapPost("/v1/messages/count_tokens", CountTokensAsync);
    }

    public static JsonObject Error(string type, string message) => new()
    {
        ["type"] = "error",
        ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
        ["request_id"] = UpstreamCall.NewId("req_011C", 20),
    };

    private static async Task MessagesAsync(HttpContext context)
    {
        if (await BeginAsync(context) is not { } begun)
        {
            return;
        }

        var (call, request, model) = begun;
        var reply = call.Behaviour.ReplyText;
        var prompt = FakeLlmUpstream.PromptTokens(request);
        var cached = call.CachedTokens(prompt);
        var completion = FakeLlmUpstream.CompletionTokens(reply);
        var id = UpstreamCall.NewId("msg_01", 22);
        var answered = call.AnsweredModel(model);
        JsonObject Usage(int outputTokens) => new()
        {
            ["input_tokens"] = prompt - cached,
            ["cache_creation_input_tokens"] = 0,
            ["cache_read_input_tokens"] = cached,
            ["output_tokens"] = outputTokens,
        };

        JsonObject Message(JsonArray content, string? stopReason, int outputTokens)
        {
            var message = new JsonObject
            {
                ["id"] = id,
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = answered,
                ["content"] = content,
                ["stop_reason"] = stopReason,
                ["stop_sequence"] = null,
            };
            if (call.Behaviour.ReportUsage)
            {
                message["usage"] = Usage(outputTokens);
            }

            return message;
        }

        if (!(request["stream"] is JsonValue stream && stream.GetValueKind() == JsonValueKind.True))
        {
            await call.WriteJsonAsync(StatusCodes.Status200OK, Message([new JsonObject { ["type"] = "text", ["text"] = reply }], "end_turn", completion));
            return;
        }

        Task Send(string type, JsonObject? payload = null)
        {
            payload ??= [];
            payload.Insert(0, "type", type);
            return call.WriteEventAsync(type, payload);
        }

        await call.StartStreamAsync();
        await Send("message_start", new JsonObject { ["message"] = Message([], null, 1) });
        await Send("content_block_start", new JsonObject { ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = string.Empty } });
        await Send("ping");
        var chunks = FakeLlmUpstream.Chunks(reply, call.Behaviour.StreamChunks);
        for (var i = 0; i < call.ChunksToSend(chunks.Count); i++)
        {
            await Send("content_block_delta", new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = chunks[i] } });
        }

        if (call.Behaviour.AbortMidStream)
        {
            await call.AbortAsync();
            return;
        }

        await Send("content_block_stop", new JsonObject { ["index"] = 0 });
        var delta = new JsonObject { ["delta"] = new JsonObject { ["stop_reason"] = "end_turn", ["stop_sequence"] = null } };
        if (call.Behaviour.ReportUsage)
        {
            delta["usage"] = new JsonObject { ["output_tokens"] = completion };
        }

        await Send("message_delta", delta);
        await Send("message_stop");
    }

    private static async Task CountTokensAsync(HttpContext context)
    {
        if (await BeginAsync(context) is not { } begun)
        {
            return;
        }

        await begun.Call.WriteJsonAsync(StatusCodes.Status200OK, new JsonObject { ["input_tokens"] = FakeLlmUpstream.PromptTokens(begun.Request) });
    }

    /// <summary>The common start: delay, error mode, JSON body, model. Null when the answer is already sent.</summary>
    private static async Task<(UpstreamCall Call, JsonObject Request, string Model)?> BeginAsync(HttpContext context)
    {
        var call = UpstreamCall.Of(context);
        context.Response.Headers["request-id"] = UpstreamCall.NewId("req_011C", 20);
        await call.DelayBeforeResponseAsync();
        if (call.Behaviour.ErrorStatus is { } status)
        {
            var (type, message) = status switch
            {
                StatusCodes.Status400BadRequest => ("invalid_request_error", "The fake upstream was told to reject this request."),
                StatusCodes.Status401Unauthorized => ("authentication_error", "invalid x-api-key"),
                StatusCodes.Status403Forbidden => ("permission_error", "Your API key does not have permission to use the specified resource."),
                StatusCodes.Status404NotFound => ("not_found_error", "The requested resource could not be found."),
                StatusCodes.Status413PayloadTooLarge => ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
                StatusCodes.Status429TooManyRequests => ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
                529 => ("overloaded_error", "Overloaded"),
                _ => ("api_error", "Internal server error"),
            };
            if (status == StatusCodes.Status429TooManyRequests)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            await call.WriteJsonAsync(status, Error(type, message));
            return null;
        }

        if (call.ParseBody() is not { } request)
        {
            await call.WriteJsonAsync(StatusCodes.Status400BadRequest, Error("invalid_request_error", "There was an issue with your request: the body is not valid JSON."));
            return null;
        }

        if (!(request["model"] is JsonValue named && named.GetValueKind() == JsonValueKind.String && named.GetValue<string>() is { Length: > 0 } model))
        {
            await call.WriteJsonAsync(StatusCodes.Status400BadRequest, Error("invalid_request_error", "model: Field required"));
            return null;
        }

        return (call, request, model);
    }
}
