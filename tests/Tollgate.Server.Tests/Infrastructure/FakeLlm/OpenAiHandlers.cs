using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tollgate.Server.Tests.Infrastructure.FakeLlm;

/// <summary>
/// OpenAI's wire shapes: <c>/v1/chat/completions</c>, <c>/v1/completions</c>, <c>/v1/embeddings</c>, <c>/v1/responses</c>,
/// <c>GET /v1/models</c>, and Azure OpenAI's <c>/openai/deployments/{deployment}/…</c> (the deployment is the model when the body names none).
/// Unknown paths answer 404 in OpenAI's error shape.
/// </summary>
internal static class OpenAiHandlers
{
    public const string SystemFingerprint = "fp_f4ke11m0de";

    /// <summary>Length of every embedding vector.</summary>
    public const int EmbeddingDimensions = 8;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", ChatCompletionsAsync);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", ChatCompletionsAsync);
        app.MapPost("/v1/completions", CompletionsAsync);
        app.MapPost("/openai/deployments/{deployment}/completions", CompletionsAsync);
        app.MapPost("/v1/embeddings", EmbeddingsAsync);
        app.MapPost("/openai/deployments/{deployment}/embeddings", EmbeddingsAsync);
        app.MapPost("/v1/responses", ResponsesAsync);
        app.MapGet("/v1/models", ModelsAsync);
        app.MapFallback(NotFoundAsync);
    }

    public static JsonObject Error(string message, string type, string? code, string? param = null) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = code,
        },
    };

    private static async Task ChatCompletionsAsync(HttpContext context)
    {
        if (await BeginAsync(context, modelRequired: true) is not { } begun)
        {
            return;
        }

        var (call, request, model) = begun;
        var reply = call.Behaviour.ReplyText;
        var usage = Usage(call, request, reply);
        var id = UpstreamCall.NewId("chatcmpl-");
        var answered = call.AnsweredModel(model);
        if (!IsStream(request))
        {
            var completion = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = call.Created,
                ["model"] = answered,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject
                    {
                        ["role"] = "assistant",
                        ["content"] = reply,
                        ["refusal"] = null,
                        ["annotations"] = new JsonArray(),
                    },
                    ["logprobs"] = null,
                    ["finish_reason"] = "stop",
                }),
            };
            AddUsage(completion, usage);
            completion["service_tier"] = "default";
            completion["system_fingerprint"] = SystemFingerprint;
            await call.WriteJsonAsync(StatusCodes.Status200OK, completion);
            return;
        }

        var includeUsage = usage is not null && IncludeUsage(request);
        JsonObject Chunk(JsonNode? choice)
        {
            var chunk = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = call.Created,
                ["model"] = answered,
                ["service_tier"] = "default",
                ["system_fingerprint"] = SystemFingerprint,
                ["choices"] = choice is null ? new JsonArray() : new JsonArray(choice),
            };
            if (includeUsage)
            {
                chunk["usage"] = null;
            }

            return chunk;
        }

        JsonObject Choice(JsonObject delta, string? finishReason) => new()
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        };

        await call.StartStreamAsync();
        await call.WriteEventAsync(null, Chunk(Choice(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty, ["refusal"] = null }, null)));
        var chunks = FakeLlmUpstream.Chunks(reply, call.Behaviour.StreamChunks);
        for (var i = 0; i < call.ChunksToSend(chunks.Count); i++)
        {
            await call.WriteEventAsync(null, Chunk(Choice(new JsonObject { ["content"] = chunks[i] }, null)));
        }

        if (call.Behaviour.AbortMidStream)
        {
            await call.AbortAsync();
            return;
        }

        await call.WriteEventAsync(null, Chunk(Choice(new JsonObject(), "stop")));
        if (includeUsage)
        {
            var last = Chunk(null);
            last["usage"] = usage;
            await call.WriteEventAsync(null, last);
        }

        await call.WriteEventAsync(null, "[DONE]");
    }

    private static async Task CompletionsAsync(HttpContext context)
    {
        if (await BeginAsync(context, modelRequired: true) is not { } begun)
        {
            return;
        }

        var (call, request, model) = begun;
        var reply = call.Behaviour.ReplyText;
        var usage = Usage(call, request, reply);
        var id = UpstreamCall.NewId("cmpl-");
        var answered = call.AnsweredModel(model);
        JsonObject Completion(JsonArray choices) => new()
        {
            ["id"] = id,
            ["object"] = "text_completion",
            ["created"] = call.Created,
            ["model"] = answered,
            ["system_fingerprint"] = SystemFingerprint,
            ["choices"] = choices,
        };

        JsonObject Choice(string text, string? finishReason) => new()
        {
            ["text"] = text,
            ["index"] = 0,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        };

        if (!IsStream(request))
        {
            var completion = Completion([Choice(reply, "stop")]);
            AddUsage(completion, usage);
            await call.WriteJsonAsync(StatusCodes.Status200OK, completion);
            return;
        }

        var includeUsage = usage is not null && IncludeUsage(request);
        JsonObject Chunk(JsonArray choices)
        {
            var chunk = Completion(choices);
            if (includeUsage)
            {
                chunk["usage"] = null;
            }

            return chunk;
        }

        await call.StartStreamAsync();
        var chunks = FakeLlmUpstream.Chunks(reply, call.Behaviour.StreamChunks);
        for (var i = 0; i < call.ChunksToSend(chunks.Count); i++)
        {
            await call.WriteEventAsync(null, Chunk([Choice(chunks[i], null)]));
        }

        if (call.Behaviour.AbortMidStream)
        {
            await call.AbortAsync();
            return;
        }

        await call.WriteEventAsync(null, Chunk([Choice(string.Empty, "stop")]));
        if (includeUsage)
        {
            var last = Chunk([]);
            last["usage"] = usage;
            await call.WriteEventAsync(null, last);
        }

        await call.WriteEventAsync(null, "[DONE]");
    }

    private static async Task EmbeddingsAsync(HttpContext context)
    {
        if (await BeginAsync(context, modelRequired: true) is not { } begun)
        {
            return;
        }

        var (call, request, model) = begun;
        var inputs = request["input"] switch
        {
            JsonValue single when single.GetValueKind() == JsonValueKind.String => [single],
            JsonArray tokens when tokens.Count > 0 && tokens.All(token => token?.GetValueKind() == JsonValueKind.Number) => [tokens],
            JsonArray many when many.Count > 0 => many.ToList(),
            _ => null,
        };
        if (inputs is null)
        {
            await call.WriteJsonAsync(StatusCodes.Status400BadRequest, Error("'input' is a required property and must be a non-empty string or array", "invalid_request_error", null, "input"));
            return;
        }

        var base64 = request["encoding_format"] is JsonValue format && format.GetValueKind() == JsonValueKind.String && format.GetValue<string>() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = Embedding(inputs[i]?.ToJsonString() ?? string.Empty);
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = base64 ? Base64(vector) : new JsonArray([.. vector.Select(value => (JsonNode)value)]),
            });
        }

        var list = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = call.Behaviour.AnsweredModel ?? model,
        };
        if (call.Behaviour.ReportUsage)
        {
            var prompt = FakeLlmUpstream.PromptTokens(request);
            list["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["total_tokens"] = prompt };
        }

        await call.WriteJsonAsync(StatusCodes.Status200OK, list);
    }

    private static async Task ResponsesAsync(HttpContext context)
    {
        if (await BeginAsync(context, modelRequired: true) is not { } begun)
        {
            return;
        }

        var (call, request, model) = begun;
        var reply = call.Behaviour.ReplyText;
        var answered = call.AnsweredModel(model);
        var id = UpstreamCall.NewId("resp_", 48);
        var messageId = UpstreamCall.NewId("msg_", 48);
        JsonObject? Usage()
        {
            if (!call.Behaviour.ReportUsage)
            {
                return null;
            }

            var prompt = FakeLlmUpstream.PromptTokens(request);
            var completion = FakeLlmUpstream.CompletionTokens(reply);
            return new JsonObject
            {
                ["input_tokens"] = prompt,
                ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = call.CachedTokens(prompt) },
                ["output_tokens"] = completion,
                ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                ["total_tokens"] = prompt + completion,
            };
        }

        JsonObject Response(string status, JsonArray output, JsonNode? usage) => new()
        {
            ["id"] = id,
            ["object"] = "response",
            ["created_at"] = call.Created,
            ["status"] = status,
            ["background"] = false,
            ["error"] = null,
            ["incomplete_details"] = null,
            ["instructions"] = request["instructions"]?.DeepClone(),
            ["max_output_tokens"] = request["max_output_tokens"]?.DeepClone(),
            ["model"] = answered,
            ["output"] = output,
            ["parallel_tool_calls"] = true,
            ["previous_response_id"] = request["previous_response_id"]?.DeepClone(),
            ["reasoning"] = new JsonObject { ["effort"] = null, ["summary"] = null },
            ["service_tier"] = "default",
            ["store"] = true,
            ["temperature"] = 1.0,
            ["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
            ["tool_choice"] = "auto",
            ["tools"] = new JsonArray(),
            ["top_p"] = 1.0,
            ["truncation"] = "disabled",
            ["usage"] = usage,
            ["user"] = null,
            ["metadata"] = new JsonObject(),
        };

        JsonObject Part(string text) => new()
        {
            ["type"] = "output_text",
            ["annotations"] = new JsonArray(),
            ["logprobs"] = new JsonArray(),
            ["text"] = text,
        };

        JsonObject Message(string status, JsonArray content) => new()
        {
            ["id"] = messageId,
            ["type"] = "message",
            ["status"] = status,
            ["content"] = content,
            ["role"] = "assistant",
        };

        if (!IsStream(request))
        {
            var response = Response("completed", [Message("completed", [Part(reply)])], Usage());
            if (!call.Behaviour.ReportUsage)
            {
                response.Remove("usage");
            }

            await call.WriteJsonAsync(StatusCodes.Status200OK, response);
            return;
        }

        var sequence = 0;
        Task Send(string type, JsonObject payload)
        {
            payload.Insert(0, "type", type);
            payload.Insert(1, "sequence_number", sequence++);
            return call.WriteEventAsync(type, payload);
        }

        JsonObject InText(JsonObject payload)
        {
            payload.Insert(0, "item_id", messageId);
            payload.Insert(1, "output_index", 0);
            payload.Insert(2, "content_index", 0);
            return payload;
        }

        await call.StartStreamAsync();
        await Send("response.created", new JsonObject { ["response"] = Response("in_progress", [], null) });
        await Send("response.in_progress", new JsonObject { ["response"] = Response("in_progress", [], null) });
        await Send("response.output_item.added", new JsonObject { ["output_index"] = 0, ["item"] = Message("in_progress", []) });
        await Send("response.content_part.added", InText(new JsonObject { ["part"] = Part(string.Empty) }));
        var chunks = FakeLlmUpstream.Chunks(reply, call.Behaviour.StreamChunks);
        for (var i = 0; i < call.ChunksToSend(chunks.Count); i++)
        {
            await Send("response.output_text.delta", InText(new JsonObject { ["delta"] = chunks[i], ["logprobs"] = new JsonArray() }));
        }

        if (call.Behaviour.AbortMidStream)
        {
            await call.AbortAsync();
            return;
        }

        await Send("response.output_text.done", InText(new JsonObject { ["text"] = reply, ["logprobs"] = new JsonArray() }));
        await Send("response.content_part.done", InText(new JsonObject { ["part"] = Part(reply) }));
        await Send("response.output_item.done", new JsonObject { ["output_index"] = 0, ["item"] = Message("completed", [Part(reply)]) });
        await Send("response.completed", new JsonObject { ["response"] = Response("completed", [Message("completed", [Part(reply)])], Usage()) });
    }

    private static async Task ModelsAsync(HttpContext context)
    {
        var call = UpstreamCall.Of(context);
        context.Response.Headers["x-request-id"] = UpstreamCall.NewId("req_", 32);
        await call.DelayBeforeResponseAsync();
        if (call.Behaviour.ErrorStatus is { } status)
        {
            await ErrorAsync(call, status);
            return;
        }

        var models = new JsonArray();
        foreach (var id in new[] { "gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-3.5-turbo-instruct", "text-embedding-3-small" })
        {
            models.Add(new JsonObject { ["id"] = id, ["object"] = "model", ["created"] = 1715367049, ["owned_by"] = "system" });
        }

        await call.WriteJsonAsync(StatusCodes.Status200OK, new JsonObject { ["object"] = "list", ["data"] = models });
    }

    private static Task NotFoundAsync(HttpContext context) =>
        UpstreamCall.Of(context).WriteJsonAsync(
            StatusCodes.Status404NotFound,
            Error($"Invalid URL ({context.Request.Method} {context.Request.Path})", "invalid_request_error", null));

    /// <summary>The common start: delay, error mode, JSON body, model (or Azure deployment). Null when the answer is already sent.</summary>
    private static async Task<(UpstreamCall Call, JsonObject Request, string Model)?> BeginAsync(HttpContext context, bool modelRequired)
    {
        var call = UpstreamCall.Of(context);
        context.Response.Headers["x-request-id"] = UpstreamCall.NewId("req_", 32);
        await call.DelayBeforeResponseAsync();
        if (call.Behaviour.ErrorStatus is { } status)
        {
            await ErrorAsync(call, status);
            return null;
        }

        if (call.ParseBody() is not { } request)
        {
            await call.WriteJsonAsync(
                StatusCodes.Status400BadRequest,
                Error("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", "invalid_request_error", null));
            return null;
        }

        var model = request["model"] is JsonValue named && named.GetValueKind() == JsonValueKind.String
            ? named.GetValue<string>()
            : context.Request.RouteValues["deployment"] as string;
        if (string.IsNullOrEmpty(model) && modelRequired)
        {
            await call.WriteJsonAsync(StatusCodes.Status400BadRequest, Error("you must provide a model parameter", "invalid_request_error", null));
            return null;
        }

        return (call, request, model ?? string.Empty);
    }

    private static Task ErrorAsync(UpstreamCall call, int status)
    {
        var (message, type, code) = status switch
        {
            StatusCodes.Status429TooManyRequests => ("Rate limit reached for requests on the fake upstream. Please try again in 1s.", "rate_limit_exceeded", "rate_limit_exceeded"),
            StatusCodes.Status401Unauthorized => ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
            >= 500 => ("The server had an error while processing your request. Sorry about that!", "server_error", (string?)null),
            _ => ($"The fake upstream was told to answer {status}.", "invalid_request_error", null),
        };
        if (status == StatusCodes.Status429TooManyRequests)
        {
            call.Context.Response.Headers.RetryAfter = "1";
        }

        return call.WriteJsonAsync(status, Error(message, type, code));
    }

    private static bool IsStream(JsonObject request) => request["stream"] is JsonValue stream && stream.GetValueKind() == JsonValueKind.True;

    private static bool IncludeUsage(JsonObject request) =>
        request["stream_options"] is JsonObject options && options["include_usage"] is JsonValue include && include.GetValueKind() == JsonValueKind.True;

    /// <summary>OpenAI's usage object, or null when the behaviour reports none.</summary>
    private static JsonObject? Usage(UpstreamCall call, JsonObject request, string reply)
    {
        if (!call.Behaviour.ReportUsage)
        {
            return null;
        }

        var prompt = FakeLlmUpstream.PromptTokens(request);
        var completion = FakeLlmUpstream.CompletionTokens(reply);
        return new JsonObject
        {
            ["prompt_tokens"] = prompt,
            ["completion_tokens"] = completion,
            ["total_tokens"] = prompt + completion,
            ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = call.CachedTokens(prompt), ["audio_tokens"] = 0 },
            ["completion_tokens_details"] = new JsonObject
            {
                ["reasoning_tokens"] = 0,
                ["audio_tokens"] = 0,
                ["accepted_prediction_tokens"] = 0,
                ["rejected_prediction_tokens"] = 0,
            },
        };
    }

    private static void AddUsage(JsonObject answer, JsonObject? usage)
    {
        if (usage is not null)
        {
            answer["usage"] = usage;
        }
    }

    /// <summary>A deterministic unit vector of <see cref="EmbeddingDimensions"/> floats from the input's JSON text.</summary>
    private static float[] Embedding(string input)
    {
        var state = 2166136261u;
        foreach (var c in input)
        {
            state = (state ^ c) * 16777619u;
        }

        state = state == 0 ? 1 : state;

        var vector = new float[EmbeddingDimensions];
        for (var i = 0; i < vector.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            vector[i] = (state / (float)uint.MaxValue * 2) - 1;
        }

        var norm = MathF.Sqrt(vector.Sum(value => value * value));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = MathF.Round(vector[i] / norm, 6);
        }

        return vector;
    }

    private static string Base64(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }
}
