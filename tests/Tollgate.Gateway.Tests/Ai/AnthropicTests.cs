using Tollgate.Gateway.Ai;

namespace Tollgate.Gateway.Tests.Ai;

public sealed class AnthropicTests
{
    private const string Answered = "claude-sonnet-4-5-20250929";

    private static readonly string[] TextStream =
    [
        "message_start",
        """{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}""",
        "content_block_start",
        """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
        "ping",
        """{"type": "ping"}""",
        "content_block_delta",
        """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}""",
        "content_block_delta",
        """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" wörld 👋 \"quoted\""}}""",
        "content_block_stop",
        """{"type":"content_block_stop","index":0}""",
        "message_delta",
        """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}""",
        "message_stop",
        """{"type":"message_stop"}""",
    ];

    private const string ChunkHead = "{\"id\":\"msg_01\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"claude-sonnet-4-5-20250929\"";

    private static readonly string[] TextChunks =
    [
        ChunkHead + ""","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""",
        ChunkHead + ""","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}""",
        ChunkHead + ""","choices":[{"index":0,"delta":{"content":" wörld 👋 \"quoted\""},"logprobs":null,"finish_reason":null}]}""",
        ChunkHead + ""","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""",
    ];

    [Fact]
    public void Chat_request_becomes_a_Messages_request()
    {
        var provider = AiTestKit.Provider(AiTestKit.AnthropicConfig);

        var request = AiTestKit.Prepare(provider, """
            {"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hi"},{"role":"assistant","content":"Hi"},
                         {"role":"user","content":[{"type":"text","text":"Again"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                                                   {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}],
             "temperature":0.5,"top_p":1,"stop":"END","stream":true,"user":"u-42"}
            """);

        Assert.Equal(
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"system":"You are terse.","messages":[{"role":"user","content":"Say hi"},"""
            + """{"role":"assistant","content":"Hi"},{"role":"user","content":[{"type":"text","text":"Again"},"""
            + """{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},"""
            + """{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}]"""
            + ""","temperature":0.5,"top_p":1,"stop_sequences":["END"],"stream":true,"metadata":{"user_id":"u-42"}}""",
            AiTestKit.Text(request.Body));
        Assert.Equal(new Uri("https://api.anthropic.com/v1/messages"), request.Url);
        Assert.Equal(
            [new("x-api-key", "sk-ant-secret-456"), new("Content-Type", "application/json"), new("Accept-Encoding", "identity"), new("anthropic-version", "2023-06-01")],
            request.Headers);
        Assert.True(request.Stream);
        Assert.False(request.ClientAskedForUsage);
        Assert.Equal("anthropic/claude-sonnet-4-5", request.ModelNameHeader);
    }

    [Fact]
    public void Tool_calls_and_results_become_tool_use_and_tool_result_blocks()
    {
        var provider = AiTestKit.Provider(AiTestKit.AnthropicConfig);

        var request = AiTestKit.Prepare(provider, """
            {"messages":[{"role":"user","content":"Weather in Paris and Rome?"},
                         {"role":"assistant","content":null,"tool_calls":[
                            {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                            {"id":"toolu_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
                         {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
                         {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"21C"}]}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
                       "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
             "tool_choice":"required","parallel_tool_calls":false,"max_tokens":100}
            """);

        Assert.Equal(
            """{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"Weather in Paris and Rome?"},"""
            + """{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},"""
            + """{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Rome"}}]},"""
            + """{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},{"type":"tool_result","tool_use_id":"toolu_2","content":"21C"}]}]"""
            + ""","tools":[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]"""
            + ""","tool_choice":{"type":"any","disable_parallel_tool_use":true}}""",
            AiTestKit.Text(request.Body));
    }

    [Fact]
    public void Configured_options_fill_the_Messages_request()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/chat", "model": {"provider": "anthropic", "name": "claude-haiku-4-5",
             "options": {"max_tokens": 512, "temperature": 0.3, "top_k": 20, "anthropic_version": "2023-01-01"}}}
            """);

        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hi"}],"max_completion_tokens":64}""");

        Assert.Equal(
            """{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}],"temperature":0.3,"top_k":20}""",
            AiTestKit.Text(request.Body));
        Assert.Contains(new KeyValuePair<string, string>("anthropic-version", "2023-01-01"), request.Headers);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"function","content":"x"}]}""", "messages[0].role 'function' is not supported for provider anthropic")]
    [InlineData("""{"messages":[{"content":"x"}]}""", "messages[0].role must be a string")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}""", "messages[0].content[0].type 'input_audio' is not supported for provider anthropic")]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","tool_calls":[{"id":"t","function":{"name":"f","arguments":"[1]"}}]}]}""", "messages[1].tool_calls[0].function.arguments must be a JSON object")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"tools":[{"type":"web_search"}]}""", "tools[0] must be a function tool with a name for provider anthropic")]
    public void Chat_request_Anthropic_cannot_take_is_refused(string body, string message)
    {
        var error = AiTestKit.Refuse(AiTestKit.Provider(AiTestKit.AnthropicConfig), body);

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Message_becomes_a_chat_completion_with_usage()
    {
        var provider = AiTestKit.Provider(AiTestKit.AnthropicConfig);
        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Say hi"}]}""");

        var response = provider.TranslateResponse(request, 200, AiTestKit.Bytes("""
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hi!"}],
             "stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":12,"cache_creation_input_tokens":2,"cache_read_input_tokens":8,"output_tokens":3}}
            """));

        Assert.Equal(
            """{"id":"msg_01","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"logprobs":null,"finish_reason":"stop"}]"""
            + ""","usage":{"prompt_tokens":22,"completion_tokens":3,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":8}}}""",
            AiTestKit.Text(response.Body));
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(new LlmUsage(22, 3, 8, null, Answered, UsageSource.Provider), response.Usage);
        Assert.Equal(Answered, response.AnsweredModel);
    }

    [Fact]
    public void Tool_use_becomes_tool_calls()
    {
        var provider = AiTestKit.Provider(AiTestKit.AnthropicConfig);
        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Weather in Paris?"}]}""");

        var response = provider.TranslateResponse(request, 200, AiTestKit.Bytes("""
            {"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}],
             "stop_reason":"tool_use","usage":{"input_tokens":30,"output_tokens":20}}
            """));

        Assert.Equal(
            """{"id":"msg_02","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant","content":"Check"""
            + """ing.","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":"tool_calls"}]"""
            + ""","usage":{"prompt_tokens":30,"completion_tokens":20,"total_tokens":50}}""",
            AiTestKit.Text(response.Body));
        Assert.Equal(new LlmUsage(30, 20, null, null, Answered, UsageSource.Provider), response.Usage);
    }

    [Fact]
    public void Anthropic_error_becomes_an_OpenAI_error_without_usage()
    {
        var provider = AiTestKit.Provider(AiTestKit.AnthropicConfig);
        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hi"}]}""");

        var response = provider.TranslateResponse(request, 529, AiTestKit.Bytes("""
            {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}
            """));
        var html = provider.TranslateResponse(request, 502, AiTestKit.Bytes("<html>Bad gateway</html>"));

        Assert.Equal(529, response.StatusCode);
        Assert.Equal("""{"error":{"message":"Overloaded","type":"overloaded_error"}}""", AiTestKit.Text(response.Body));
        Assert.Null(response.Usage);
        Assert.Equal("<html>Bad gateway</html>", AiTestKit.Text(html.Body));
        Assert.Null(html.ContentType);
        Assert.Null(html.Usage);
    }

    [Fact]
    public void Stream_becomes_chat_completion_chunks()
    {
        using var translator = StreamFor(clientAskedForUsage: false);

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(Events(TextStream)));

        Assert.Equal(OpenAiStreamTests.Sse([.. TextChunks, "[DONE]"]), output);
        Assert.Equal(new LlmUsage(12, 9, 0, null, Answered, UsageSource.Provider), translator.ResolveUsage());
        Assert.Equal(Answered, translator.AnsweredModel);
    }

    [Fact]
    public void Stream_ends_with_the_usage_chunk_when_the_client_asked()
    {
        using var translator = StreamFor(clientAskedForUsage: true);

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(Events(TextStream)));

        Assert.Equal(
            OpenAiStreamTests.Sse(
            [
                .. TextChunks,
                ChunkHead + ""","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0}}}""",
                "[DONE]",
            ]),
            output);
    }

    [Fact]
    public void Any_split_of_the_Anthropic_stream_gives_the_same_chunks()
    {
        var stream = AiTestKit.Bytes(Events(TextStream));
        var expected = OpenAiStreamTests.Sse([.. TextChunks, "[DONE]"]);
        for (var split = 0; split <= stream.Length; split++)
        {
            using var translator = StreamFor(clientAskedForUsage: false);

            Assert.Equal(expected, AiTestKit.Run(translator, stream, split));
            Assert.Equal(new LlmUsage(12, 9, 0, null, Answered, UsageSource.Provider), translator.ResolveUsage());
        }
    }

    [Fact]
    public void Stream_cut_short_keeps_the_input_count_and_estimates_the_output()
    {
        using var translator = StreamFor(clientAskedForUsage: false);

        AiTestKit.Run(translator, AiTestKit.Bytes(Events(TextStream[..10])));

        // The provider's input count stands; "Hello wörld 👋 \"quoted\"" is 9 tokens in o200k_base.
        Assert.Equal(new LlmUsage(12, 1, 0, null, Answered, UsageSource.Estimated), translator.ProviderUsage);
        Assert.Equal(new LlmUsage(12, 9, 0, null, Answered, UsageSource.Estimated), translator.ResolveUsage());
    }

    [Fact]
    public void Tool_use_stream_becomes_tool_call_deltas()
    {
        string[] stream =
        [
            "message_start",
            """{"type":"message_start","message":{"id":"msg_01","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":30,"output_tokens":1}}}""",
            "content_block_start",
            """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}""",
            "content_block_delta",
            """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}""",
            "content_block_delta",
            """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}""",
            "content_block_stop",
            """{"type":"content_block_stop","index":0}""",
            "message_delta",
            """{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":15}}""",
            "message_stop",
            """{"type":"message_stop"}""",
        ];
        using var translator = StreamFor(clientAskedForUsage: false);

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(Events(stream)));

        Assert.Equal(
            OpenAiStreamTests.Sse(
                TextChunks[0],
                ChunkHead + ""","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]}""",
                ChunkHead + ""","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}]}""",
                ChunkHead + ""","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]}""",
                ChunkHead + ""","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}""",
                "[DONE]"),
            output);
        Assert.Equal("get_weather{\"city\":\"Paris\"}".Length, translator.GeneratedCharacters);
        Assert.Equal(new LlmUsage(30, 15, null, null, Answered, UsageSource.Provider), translator.ResolveUsage());
    }

    [Fact]
    public void Stream_error_event_becomes_an_OpenAI_error_event()
    {
        using var translator = StreamFor(clientAskedForUsage: false);

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(Events(
            "message_start", TextStream[1], "error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""")));

        Assert.Equal(OpenAiStreamTests.Sse(TextChunks[0], """{"error":{"message":"Overloaded","type":"overloaded_error"}}"""), output);
    }

    [Fact]
    public void Preserve_stream_passes_through_and_reads_usage()
    {
        var provider = AiTestKit.Provider("""{"route_type": "preserve", "model": {"provider": "anthropic"}}""");
        var request = AiTestKit.Prepare(provider, """{"model":"claude-sonnet-4-5","stream":true,"max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}""", new ClientRequestInfo(Path: "/v1/messages"));
        using var translator = provider.CreateStreamTranslator(request);
        var stream = Events(TextStream);

        Assert.Equal(stream, AiTestKit.Run(translator, AiTestKit.Bytes(stream)));
        Assert.Equal(new LlmUsage(12, 9, 0, null, Answered, UsageSource.Provider), translator.ResolveUsage());
    }

    private static string Events(params string[] nameAndData)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < nameAndData.Length; i += 2)
        {
            text.Append("event: ").Append(nameAndData[i]).Append('\n').Append("data: ").Append(nameAndData[i + 1]).Append("\n\n");
        }

        return text.ToString();
    }

    private static IStreamTranslator StreamFor(bool clientAskedForUsage)
    {
        var provider = AiTestKit.Provider(AiTestKit.AnthropicConfig);
        var body = clientAskedForUsage
            ? """{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello world"}]}"""
            : """{"stream":true,"messages":[{"role":"user","content":"Hello world"}]}""";
        var request = AiTestKit.Prepare(provider, body);
        return provider.CreateStreamTranslator(request);
    }
}
