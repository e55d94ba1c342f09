using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Tollgate.Server.Tests.Infrastructure.FakeLlm;

public sealed class FakeLlmUpstreamTests : IAsyncLifetime
{
    private const string Reply = "Hello! How can I help you today?";

    /// <summary>System "You are terse." (3 + 3) and a user text part "Say hello to me" (3 + 4): 13 prompt tokens.</summary>
    private const string ChatRequest = """
        {"model":"gpt-4","messages":[
          {"role":"system","content":"You are terse."},
          {"role":"user","content":[{"type":"text","text":"Say hello to me"}]}]
        """;

    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FakeLlmUpstream _upstream = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await FakeLlmUpstream.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_chat_completion_reports_exact_usage_and_the_request_is_recorded()
    {
        using var response = await PostAsync("v1/chat/completions", ChatRequest + "}", ("Authorization", "Bearer sk-test"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var completion = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.StartsWith("chatcmpl-", (string)completion["id"]!, StringComparison.Ordinal);
        Assert.Equal("chat.completion", (string?)completion["object"]);
        Assert.Equal("gpt-4-0613", (string?)completion["model"]);
        Assert.NotNull(completion["system_fingerprint"]);
        var choice = completion["choices"]![0]!;
        Assert.Equal("assistant", (string?)choice["message"]!["role"]);
        Assert.Equal(Reply, (string?)choice["message"]!["content"]);
        Assert.Null(choice["message"]!["refusal"]);
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        var usage = completion["usage"]!;
        Assert.Equal(13, (int)usage["prompt_tokens"]!);
        Assert.Equal(7, (int)usage["completion_tokens"]!);
        Assert.Equal(20, (int)usage["total_tokens"]!);
        Assert.Equal(0, (int)usage["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(0, (int)usage["completion_tokens_details"]!["reasoning_tokens"]!);
        Assert.Equal(13, FakeLlmUpstream.PromptTokens(JsonNode.Parse(ChatRequest + "}")!));
        Assert.Equal(7, FakeLlmUpstream.CompletionTokens(Reply));

        var recorded = Assert.Single(_upstream.Requests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/v1/chat/completions", recorded.PathAndQuery);
        Assert.Equal("Bearer sk-test", recorded.Headers["AUTHORIZATION"]);
        Assert.Equal(ChatRequest + "}", recorded.Body);
    }

    [Fact]
    public async Task A_chat_stream_with_include_usage_ends_with_a_usage_chunk_without_choices_then_done()
    {
        using var response = await PostAsync("v1/chat/completions", ChatRequest + ""","stream":true,"stream_options":{"include_usage":true}}""");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = ParseEvents(await response.Content.ReadAsStringAsync(Ct));

        Assert.All(events, e => Assert.Null(e.Name));
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e.Data)!.AsObject()).ToList();
        Assert.Equal(1 + 7 + 1 + 1, chunks.Count);
        Assert.All(chunks, chunk => Assert.Equal("chat.completion.chunk", (string?)chunk["object"]));
        Assert.All(chunks[..^1], chunk => Assert.True(chunk.ContainsKey("usage") && chunk["usage"] is null));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        Assert.Equal(Reply, string.Concat(chunks[1..^2].Select(chunk => (string?)chunk["choices"]![0]!["delta"]!["content"])));
        Assert.Equal("stop", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Empty(chunks[^2]["choices"]![0]!["delta"]!.AsObject());

        var last = chunks[^1];
        Assert.Empty(last["choices"]!.AsArray());
        Assert.Equal(13, (int)last["usage"]!["prompt_tokens"]!);
        Assert.Equal(7, (int)last["usage"]!["completion_tokens"]!);
        Assert.Equal(20, (int)last["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task A_chat_stream_without_include_usage_carries_no_usage()
    {
        _upstream.Behaviour = new UpstreamBehaviour { StreamChunks = 3 };
        using var response = await PostAsync("v1/chat/completions", ChatRequest + ""","stream":true}""");
        var events = ParseEvents(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e.Data)!.AsObject()).ToList();
        Assert.Equal(1 + 3 + 1, chunks.Count);
        Assert.All(chunks, chunk => Assert.False(chunk.ContainsKey("usage")));
        Assert.All(chunks, chunk => Assert.Single(chunk["choices"]!.AsArray()));
        Assert.Equal(Reply, string.Concat(chunks.Select(chunk => (string?)chunk["choices"]![0]!["delta"]!["content"])));
    }

    [Fact]
    public async Task Without_ReportUsage_no_answer_carries_usage_even_when_asked()
    {
        _upstream.Behaviour = new UpstreamBehaviour { ReportUsage = false, AnsweredModel = "pinned-model" };

        using var plain = await PostAsync("v1/chat/completions", ChatRequest + "}");
        var completion = JsonNode.Parse(await plain.Content.ReadAsStringAsync(Ct))!.AsObject();
        Assert.False(completion.ContainsKey("usage"));
        Assert.Equal("pinned-model", (string?)completion["model"]);

        using var streamed = await PostAsync("v1/chat/completions", ChatRequest + ""","stream":true,"stream_options":{"include_usage":true}}""");
        var events = ParseEvents(await streamed.Content.ReadAsStringAsync(Ct));
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.All(events[..^1], e => Assert.False(JsonNode.Parse(e.Data)!.AsObject().ContainsKey("usage")));
        Assert.All(events[..^1], e => Assert.Single(JsonNode.Parse(e.Data)!["choices"]!.AsArray()));

        using var anthropic = await PostAsync("v1/messages", """{"model":"claude-sonnet-4","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}""");
        Assert.False(JsonNode.Parse(await anthropic.Content.ReadAsStringAsync(Ct))!.AsObject().ContainsKey("usage"));
    }

    [Fact]
    public async Task An_Anthropic_stream_sends_the_real_event_sequence_and_the_headers_are_recorded()
    {
        const string request = """
            {"model":"claude-3-5-sonnet-latest","max_tokens":256,"stream":true,"system":"Be brief.",
             "messages":[{"role":"user","content":[{"type":"text","text":"Tell me a joke"}]}]}
            """;
        using var response = await PostAsync("v1/messages", request, ("x-api-key", "sk-ant-test"), ("anthropic-version", "2023-06-01"));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = ParseEvents(await response.Content.ReadAsStringAsync(Ct));

        string[] expected = ["message_start", "content_block_start", "ping", .. Enumerable.Repeat("content_block_delta", 7), "content_block_stop", "message_delta", "message_stop"];
        Assert.Equal(expected, events.Select(e => e.Name));
        Assert.All(events, e => Assert.Equal(e.Name, (string?)JsonNode.Parse(e.Data)!["type"]));
        var start = JsonNode.Parse(events[0].Data)!["message"]!;
        Assert.StartsWith("msg_", (string)start["id"]!, StringComparison.Ordinal);
        Assert.Equal("claude-3-5-sonnet-20250514", (string?)start["model"]);
        Assert.Equal((3 + 2) + (3 + 4), (int)start["usage"]!["input_tokens"]!);
        Assert.Equal(1, (int)start["usage"]!["output_tokens"]!);
        Assert.Equal(Reply, string.Concat(events.Where(e => e.Name == "content_block_delta").Select(e => (string?)JsonNode.Parse(e.Data)!["delta"]!["text"])));
        var delta = JsonNode.Parse(events[^2].Data)!;
        Assert.Equal("end_turn", (string?)delta["delta"]!["stop_reason"]);
        Assert.Equal(7, (int)delta["usage"]!["output_tokens"]!);

        var recorded = await _upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(1));
        Assert.Equal("sk-ant-test", recorded.Header("X-Api-Key"));
        Assert.Equal("2023-06-01", recorded.Headers["anthropic-version"]);
    }

    [Fact]
    public async Task A_non_streaming_Anthropic_message_reports_cached_tokens_apart_from_input_tokens()
    {
        using var response = await PostAsync(
            "v1/messages",
            """{"model":"claude-sonnet-4-20250514","max_tokens":64,"messages":[{"role":"user","content":"one two three four five"}]}""",
            (FakeLlmUpstream.CachedTokensHeader, "6"));
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal("message", (string?)message["type"]);
        Assert.Equal("claude-sonnet-4-20250514", (string?)message["model"]);
        Assert.Equal(Reply, (string?)message["content"]![0]!["text"]);
        Assert.Equal("end_turn", (string?)message["stop_reason"]);
        Assert.Equal(8 - 6, (int)message["usage"]!["input_tokens"]!);
        Assert.Equal(6, (int)message["usage"]!["cache_read_input_tokens"]!);
        Assert.Equal(0, (int)message["usage"]!["cache_creation_input_tokens"]!);
        Assert.Equal(7, (int)message["usage"]!["output_tokens"]!);
    }

    [Fact]
    public async Task Error_mode_answers_with_the_status_and_each_providers_error_shape()
    {
        _upstream.Behaviour = new UpstreamBehaviour { ErrorStatus = 429 };
        using var openAi = await PostAsync("v1/chat/completions", ChatRequest + "}");
        Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
        Assert.Equal("1", openAi.Headers.GetValues("retry-after").Single());
        var error = JsonNode.Parse(await openAi.Content.ReadAsStringAsync(Ct))!["error"]!.AsObject();
        Assert.Equal("rate_limit_exceeded", (string?)error["type"]);
        Assert.Equal("rate_limit_exceeded", (string?)error["code"]);
        Assert.True(error.ContainsKey("param") && error["param"] is null);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));

        _upstream.Behaviour = new UpstreamBehaviour { ErrorStatus = 500 };
        using var server = await PostAsync("v1/chat/completions", "not even json");
        Assert.Equal(HttpStatusCode.InternalServerError, server.StatusCode);
        Assert.Equal("server_error", (string?)JsonNode.Parse(await server.Content.ReadAsStringAsync(Ct))!["error"]!["type"]);

        _upstream.Behaviour = new UpstreamBehaviour { ErrorStatus = 529 };
        using var anthropic = await PostAsync("v1/messages", """{"model":"claude-sonnet-4","stream":true,"messages":[]}""");
        Assert.Equal(529, (int)anthropic.StatusCode);
        var body = JsonNode.Parse(await anthropic.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("error", (string?)body["type"]);
        Assert.Equal("overloaded_error", (string?)body["error"]!["type"]);
    }

    [Fact]
    public async Task Invalid_JSON_is_a_400_in_OpenAIs_error_shape()
    {
        using var response = await PostAsync("v1/chat/completions", """{"model":"gpt-4",""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
    }

    [Fact]
    public async Task A_Responses_API_stream_sends_the_real_event_sequence_with_usage_on_completion()
    {
        _upstream.Behaviour = new UpstreamBehaviour { ReplyText = "Hi there", AnsweredModel = "gpt-4o-2024-08-06" };
        using var response = await PostAsync("v1/responses", """{"model":"gpt-4o","instructions":"Be kind.","input":"Hello you","stream":true}""");
        var events = ParseEvents(await response.Content.ReadAsStringAsync(Ct));

        string[] expected =
        [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
            "response.content_part.done", "response.output_item.done", "response.completed",
        ];
        Assert.Equal(expected, events.Select(e => e.Name));
        var payloads = events.Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.Equal(Enumerable.Range(0, expected.Length), payloads.Select(p => (int)p["sequence_number"]!));
        Assert.All(events, e => Assert.Equal(e.Name, (string?)JsonNode.Parse(e.Data)!["type"]));
        var completed = payloads[^1]["response"]!;
        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal("Hi there", (string?)completed["output"]![0]!["content"]![0]!["text"]);
        Assert.Equal((3 + 2) + 2, (int)completed["usage"]!["input_tokens"]!);
        Assert.Equal(2, (int)completed["usage"]!["output_tokens"]!);
        Assert.Equal(7 + 2, (int)completed["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task Embeddings_and_Azure_deployments_answer_in_OpenAIs_shapes()
    {
        using var embeddings = await PostAsync("v1/embeddings", """{"model":"text-embedding-3-small","input":["one two","three"]}""");
        var list = JsonNode.Parse(await embeddings.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("text-embedding-3-small", (string?)list["model"]);
        Assert.Equal(2, list["data"]!.AsArray().Count);
        Assert.All(list["data"]!.AsArray(), item => Assert.Equal(8, item!["embedding"]!.AsArray().Count));
        Assert.Equal(3, (int)list["usage"]!["prompt_tokens"]!);
        Assert.Equal(3, (int)list["usage"]!["total_tokens"]!);

        using var azure = await PostAsync("openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", """{"messages":[{"role":"user","content":"Hi"}]}""", ("api-key", "azure-key"));
        var completion = JsonNode.Parse(await azure.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("gpt-4o-2024-08-06", (string?)completion["model"]);
        Assert.Equal(3 + 1, (int)completion["usage"]!["prompt_tokens"]!);
        Assert.Equal("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", _upstream.Requests[^1].PathAndQuery);
        Assert.Equal("azure-key", _upstream.Requests[^1].Headers["api-key"]);
    }

    [Fact]
    public async Task Streams_are_flushed_chunk_by_chunk()
    {
        _upstream.Behaviour = new UpstreamBehaviour { DelayBetweenChunks = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_upstream.Url, "v1/chat/completions"))
        {
            Content = new StringContent(ChatRequest + ""","stream":true}""", Encoding.UTF8, "application/json"),
        };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var first = await reader.ReadLineAsync(timeout.Token);
        Assert.StartsWith("data: {", first, StringComparison.Ordinal);
        Assert.Equal("assistant", (string?)JsonNode.Parse(first!["data: ".Length..])!["choices"]![0]!["delta"]!["role"]);
    }

    [Fact]
    public async Task AbortMidStream_drops_the_connection_after_half_the_chunks()
    {
        _upstream.Behaviour = new UpstreamBehaviour { AbortMidStream = true, StreamChunks = 4 };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_upstream.Url, "v1/chat/completions"))
        {
            Content = new StringContent(ChatRequest + ""","stream":true,"stream_options":{"include_usage":true}}""", Encoding.UTF8, "application/json"),
        };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var lines = new List<string>();
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await reader.ReadLineAsync(Ct) is { } line)
            {
                lines.Add(line);
            }
        });

        var data = lines.Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(1 + 2, data.Count);
        Assert.DoesNotContain("data: [DONE]", data);
    }

    [Fact]
    public async Task WaitForRequestAsync_sees_a_request_before_a_slow_upstream_answers()
    {
        // The answer waits 2 s, far longer than a loaded machine takes to wake the waiter.
        _upstream.Behaviour = new UpstreamBehaviour { DelayBeforeResponse = TimeSpan.FromSeconds(2) };
        var pending = PostAsync("v1/completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"Once upon a time"}""");

        var recorded = await _upstream.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        Assert.False(pending.IsCompleted);
        Assert.Equal("/v1/completions", recorded.PathAndQuery);
        await Assert.ThrowsAsync<TimeoutException>(() => _upstream.WaitForRequestAsync(2, TimeSpan.FromMilliseconds(50)));

        using var response = await pending;
        var completion = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("text_completion", (string?)completion["object"]);
        Assert.Equal(Reply, (string?)completion["choices"]![0]!["text"]);
        Assert.Equal(4, (int)completion["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public void Chunks_concatenate_to_the_reply()
    {
        Assert.Equal(["Hello!", " How", " are", " you? "], FakeLlmUpstream.Chunks("Hello! How are you? ", 0));
        Assert.Equal(["abc", "de", "fg"], FakeLlmUpstream.Chunks("abcdefg", 3));
        Assert.Equal(["a", "b"], FakeLlmUpstream.Chunks("ab", 5));
        Assert.Empty(FakeLlmUpstream.Chunks(string.Empty, 0));
        Assert.Equal("gpt-4o-mini-2024-07-18", FakeLlmUpstream.SnapshotOf("gpt-4o-mini"));
        Assert.Equal("gpt-4-0613", FakeLlmUpstream.SnapshotOf("gpt-4-0613"));
        Assert.Equal("my-model-2024-08-06", FakeLlmUpstream.SnapshotOf("my-model"));
    }

    private static List<(string? Name, string Data)> ParseEvents(string body)
    {
        var events = new List<(string? Name, string Data)>();
        foreach (var block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            string? data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
                }
            }

            Assert.NotNull(data);
            events.Add((name, data));
        }

        return events;
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_upstream.Url, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _client.SendAsync(request, Ct);
    }
}
