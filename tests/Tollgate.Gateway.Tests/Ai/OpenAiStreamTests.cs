using System.Buffers;
using Tollgate.Gateway.Ai;

namespace Tollgate.Gateway.Tests.Ai;

public sealed class OpenAiStreamTests
{
    private const string Model = "gpt-4o-2024-08-06";

    private static readonly string[] ChatEvents =
    [
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":" wörld 👋"},"finish_reason":null}],"usage":null}""",
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}""",
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}""",
        "[DONE]",
    ];

    private static readonly LlmUsage ChatUsage = new(9, 6, 0, 0, Model, UsageSource.Provider);

    [Fact]
    public void Usage_chunk_is_hidden_from_a_client_that_did_not_ask()
    {
        using var translator = StreamFor(clientAskedForUsage: false);

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(Sse(ChatEvents)));

        Assert.Equal(Sse(ChatEvents[0], ChatEvents[1], ChatEvents[2], ChatEvents[3], ChatEvents[5]), output);
        Assert.Equal(ChatUsage, translator.ProviderUsage);
        Assert.Equal(ChatUsage, translator.ResolveUsage());
        Assert.Equal(Model, translator.AnsweredModel);
        Assert.Equal("Hello wörld 👋".Length, translator.GeneratedCharacters);
    }

    [Fact]
    public void Usage_chunk_reaches_a_client_that_asked()
    {
        using var translator = StreamFor(clientAskedForUsage: true);
        var stream = Sse(ChatEvents);

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(stream));

        Assert.Equal(stream, output);
        Assert.Equal(ChatUsage, translator.ResolveUsage());
    }

    [Fact]
    public void Any_split_of_the_stream_gives_the_same_output_and_usage()
    {
        var stream = AiTestKit.Bytes(Sse(ChatEvents));
        var expected = Sse(ChatEvents[0], ChatEvents[1], ChatEvents[2], ChatEvents[3], ChatEvents[5]);
        for (var split = 0; split <= stream.Length; split++)
        {
            using var translator = StreamFor(clientAskedForUsage: false);

            var output = AiTestKit.Run(translator, stream, split);

            Assert.Equal(expected, output);
            Assert.Equal(ChatUsage, translator.ResolveUsage());
        }
    }

    [Fact]
    public void Stream_fed_byte_by_byte_forwards_each_event_once_complete()
    {
        var stream = AiTestKit.Bytes(Sse(ChatEvents));
        var first = AiTestKit.Bytes(Sse(ChatEvents[0]));
        using var translator = StreamFor(clientAskedForUsage: true);
        var output = new ArrayBufferWriter<byte>();

        for (var i = 0; i < stream.Length; i++)
        {
            translator.Process(stream.AsSpan(i, 1), output);
            if (i == first.Length - 2)
            {
                Assert.Equal(0, output.WrittenCount);
            }

            if (i == first.Length - 1)
            {
                Assert.Equal(first, output.WrittenSpan.ToArray());
            }
        }

        translator.Complete(output);

        Assert.Equal(stream, output.WrittenSpan.ToArray());
        Assert.Equal(ChatUsage, translator.ResolveUsage());
    }

    [Fact]
    public void Crlf_stream_passes_through_unchanged_at_any_split()
    {
        var stream = AiTestKit.Bytes(Sse(ChatEvents).Replace("\n", "\r\n", StringComparison.Ordinal));
        var expected = Sse(ChatEvents[0], ChatEvents[1], ChatEvents[2], ChatEvents[3], ChatEvents[5]).Replace("\n", "\r\n", StringComparison.Ordinal);
        for (var split = 0; split <= stream.Length; split++)
        {
            using var translator = StreamFor(clientAskedForUsage: false);

            var output = AiTestKit.Run(translator, stream, split);

            Assert.Equal(expected, output);
            Assert.Equal(ChatUsage, translator.ResolveUsage());
        }
    }

    [Fact]
    public void Stream_cut_short_is_metered_by_estimate()
    {
        using var translator = StreamFor(clientAskedForUsage: false);

        AiTestKit.Run(translator, AiTestKit.Bytes(Sse(ChatEvents[0], ChatEvents[1], ChatEvents[2])));

        // 3 + "user" 1 + "Hello world" 2 + 3 priming; "Hello wörld 👋" is 6 tokens in o200k_base.
        Assert.Null(translator.ProviderUsage);
        Assert.Equal(new LlmUsage(9, 6, null, null, Model, UsageSource.Estimated), translator.ResolveUsage());
    }

    [Fact]
    public void Last_event_without_a_blank_line_is_handled_on_complete()
    {
        using var translator = StreamFor(clientAskedForUsage: true);
        var stream = Sse(ChatEvents[1], ChatEvents[4]) + "data: [DONE]";

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(stream));

        Assert.Equal(stream, output);
        Assert.Equal(ChatUsage, translator.ProviderUsage);
    }

    [Fact]
    public void Mistral_final_chunk_with_choices_and_usage_is_forwarded()
    {
        string[] events =
        [
            """{"id":"m1","object":"chat.completion.chunk","model":"mistral-large-latest","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}""",
            """{"id":"m1","object":"chat.completion.chunk","model":"mistral-large-latest","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"total_tokens":8,"completion_tokens":1}}""",
            "[DONE]",
        ];
        using var translator = StreamFor(clientAskedForUsage: false);

        var output = AiTestKit.Run(translator, AiTestKit.Bytes(Sse(events)));

        Assert.Equal(Sse(events), output);
        Assert.Equal(new LlmUsage(7, 1, null, null, "mistral-large-latest", UsageSource.Provider), translator.ResolveUsage());
    }

    [Fact]
    public void Comments_and_unknown_events_pass_through()
    {
        const string Stream = ": keep-alive\n\nevent: note\ndata: not json\n\n";
        using var translator = StreamFor(clientAskedForUsage: false);

        Assert.Equal(Stream, AiTestKit.Run(translator, AiTestKit.Bytes(Stream)));
    }

    [Fact]
    public void Completions_stream_text_is_collected_for_estimation()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/completions", "model": {"provider": "openai", "name": "gpt-3.5-turbo-instruct"}}""");
        var request = AiTestKit.Prepare(provider, """{"prompt":"Say hi","stream":true}""");
        using var translator = provider.CreateStreamTranslator(request);

        AiTestKit.Run(translator, AiTestKit.Bytes(Sse(
            """{"id":"c1","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[{"text":"Hello world","index":0,"finish_reason":null}]}""")));

        // "Say hi" and "Hello world" are 2 tokens each in cl100k_base.
        Assert.Equal(new LlmUsage(2, 2, null, null, "gpt-3.5-turbo-instruct", UsageSource.Estimated), translator.ResolveUsage());
    }

    [Fact]
    public void Responses_stream_reads_usage_from_response_completed()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/responses", "model": {"provider": "openai", "name": "gpt-4.1"}}""");
        var request = AiTestKit.Prepare(provider, """{"input":"Hello world","stream":true}""");
        var stream =
            "event: response.created\n"
            + """data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","model":"gpt-4.1-2025-04-14","status":"in_progress","usage":null}}""" + "\n\n"
            + "event: response.output_text.delta\n"
            + """data: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello"}""" + "\n\n"
            + "event: response.output_text.delta\n"
            + """data: {"sequence_number":2,"delta":" world","type":"response.output_text.delta"}""" + "\n\n"
            + "event: response.completed\n"
            + """data: {"type":"response.completed","sequence_number":3,"response":{"id":"resp_1","object":"response","model":"gpt-4.1-2025-04-14","status":"completed","usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":2,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":14}}}""" + "\n\n";
        var bytes = AiTestKit.Bytes(stream);
        for (var split = 0; split <= bytes.Length; split += 7)
        {
            using var translator = provider.CreateStreamTranslator(request);

            Assert.Equal(stream, AiTestKit.Run(translator, bytes, split));
            Assert.Equal(new LlmUsage(12, 2, 0, 0, "gpt-4.1-2025-04-14", UsageSource.Provider), translator.ResolveUsage());
            Assert.Equal("Hello world".Length, translator.GeneratedCharacters);
        }
    }

    [Fact]
    public void Responses_stream_cut_short_is_estimated_from_the_deltas()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/responses", "model": {"provider": "openai", "name": "gpt-4.1"}}""");
        var request = AiTestKit.Prepare(provider, """{"input":"Hello world","instructions":"You are terse.","stream":true}""");
        using var translator = provider.CreateStreamTranslator(request);

        AiTestKit.Run(translator, AiTestKit.Bytes(Sse("""{"type":"response.output_text.delta","delta":"Hello world!"}""")));

        // 3 priming + (3 + "system" 1 + "You are terse." 4) + (3 + "user" 1 + "Hello world" 2); "Hello world!" is 3.
        Assert.Equal(new LlmUsage(17, 3, null, null, null, UsageSource.Estimated), translator.ResolveUsage());
    }

    internal static string Sse(params string[] data)
    {
        var text = new System.Text.StringBuilder();
        foreach (var item in data)
        {
            text.Append("data: ").Append(item).Append("\n\n");
        }

        return text.ToString();
    }

    private static IStreamTranslator StreamFor(bool clientAskedForUsage)
    {
        var provider = AiTestKit.Provider(AiTestKit.OpenAiConfig);
        var body = clientAskedForUsage
            ? """{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello world"}]}"""
            : """{"stream":true,"messages":[{"role":"user","content":"Hello world"}]}""";
        var request = AiTestKit.Prepare(provider, body);
        Assert.Equal(clientAskedForUsage, request.ClientAskedForUsage);
        return provider.CreateStreamTranslator(request);
    }
}
