using Tollgate.Gateway.Ai;

namespace Tollgate.Gateway.Tests.Ai;

public sealed class UsageTests
{
    [Fact]
    public void Chat_usage_comes_from_the_provider_and_the_body_passes_unchanged()
    {
        var provider = AiTestKit.Provider(AiTestKit.OpenAiConfig);
        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hello world"}]}""");
        ReadOnlyMemory<byte> body = AiTestKit.Bytes("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4-0613",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
                      "prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2}}}
            """);

        var response = provider.TranslateResponse(request, 200, body);

        Assert.True(response.Body.Span == body.Span);
        Assert.Null(response.ContentType);
        Assert.Equal(new LlmUsage(19, 10, 4, 2, "gpt-4-0613", UsageSource.Provider), response.Usage);
        Assert.Equal("gpt-4-0613", response.AnsweredModel);
    }

    [Fact]
    public void Completions_usage_comes_from_the_provider()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/completions", "model": {"provider": "openai", "name": "gpt-3.5-turbo-instruct"}}""");
        var request = AiTestKit.Prepare(provider, """{"prompt":"Say hi"}""");

        var response = provider.TranslateResponse(request, 200, AiTestKit.Bytes("""
            {"id":"cmpl-1","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[{"text":"Hi","index":0}],
             "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}
            """));

        Assert.Equal(new LlmUsage(5, 7, null, null, "gpt-3.5-turbo-instruct", UsageSource.Provider), response.Usage);
    }

    [Fact]
    public void Embeddings_usage_has_prompt_tokens_only()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/embeddings", "model": {"provider": "openai", "name": "text-embedding-3-small"}}""");
        var request = AiTestKit.Prepare(provider, """{"input":"Hello world"}""");

        var response = provider.TranslateResponse(request, 200, AiTestKit.Bytes("""
            {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2]}],"model":"text-embedding-3-small",
             "usage":{"prompt_tokens":8,"total_tokens":8}}
            """));

        Assert.Equal(new LlmUsage(8, 0, null, null, "text-embedding-3-small", UsageSource.Provider), response.Usage);
    }

    [Fact]
    public void Responses_usage_uses_input_and_output_tokens()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/responses", "model": {"provider": "openai", "name": "o3"}}""");
        var request = AiTestKit.Prepare(provider, """{"input":"Hello world"}""");

        var response = provider.TranslateResponse(request, 200, AiTestKit.Bytes("""
            {"id":"resp_1","object":"response","model":"o3-2025-04-16","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],
             "usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":6},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":123}}
            """));

        Assert.Equal(new LlmUsage(36, 87, 6, 64, "o3-2025-04-16", UsageSource.Provider), response.Usage);
    }

    [Fact]
    public void Answer_without_usage_is_estimated()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/chat", "model": {"provider": "llama2", "name": "llama3", "options": {"upstream_url": "http://127.0.0.1:8080/v1/chat/completions"}}}
            """);
        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hello world"}]}""");

        var response = provider.TranslateResponse(request, 200, AiTestKit.Bytes("""
            {"id":"x","object":"chat.completion","model":"llama3","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"}}]}
            """));

        // 3 + "user" 1 + "Hello world" 2 + 3 priming; the answer is 9 tokens in o200k_base.
        Assert.Equal(new LlmUsage(9, 9, null, null, "llama3", UsageSource.Estimated), response.Usage);
    }

    [Fact]
    public void Zero_completion_tokens_with_generated_text_are_corrected_by_estimate()
    {
        var provider = AiTestKit.Provider(AiTestKit.OpenAiConfig);
        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hello world"}]}""");

        var response = provider.TranslateResponse(request, 200, AiTestKit.Bytes("""
            {"model":"gpt-4","choices":[{"index":0,"message":{"role":"assistant","content":"Hello world"}}],"usage":{"prompt_tokens":9,"completion_tokens":0}}
            """));

        Assert.Equal(new LlmUsage(9, 2, null, null, "gpt-4", UsageSource.Estimated), response.Usage);
    }

    [Fact]
    public void Error_status_passes_through_without_usage()
    {
        var provider = AiTestKit.Provider(AiTestKit.OpenAiConfig);
        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hello world"}]}""");
        ReadOnlyMemory<byte> body = AiTestKit.Bytes("""{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}""");

        var response = provider.TranslateResponse(request, 429, body);

        Assert.Equal(429, response.StatusCode);
        Assert.True(response.Body.Span == body.Span);
        Assert.Null(response.Usage);
    }

    [Fact]
    public void Preserve_reads_provider_usage_where_it_can()
    {
        var openAi = AiTestKit.Provider("""{"route_type": "preserve", "model": {"provider": "openai"}}""");
        var anthropic = AiTestKit.Provider("""{"route_type": "preserve", "model": {"provider": "anthropic"}}""");
        var body = """{"model":"m","messages":[{"role":"user","content":"Hi"}]}""";
        var openAiRequest = AiTestKit.Prepare(openAi, body, new ClientRequestInfo(Path: "/v1/chat/completions"));
        var anthropicRequest = AiTestKit.Prepare(anthropic, body, new ClientRequestInfo(Path: "/v1/messages"));

        var fromOpenAi = openAi.TranslateResponse(openAiRequest, 200, AiTestKit.Bytes("""{"model":"gpt-4o","usage":{"prompt_tokens":3,"completion_tokens":4}}"""));
        var fromAnthropic = anthropic.TranslateResponse(anthropicRequest, 200, AiTestKit.Bytes("""{"model":"claude","usage":{"input_tokens":3,"output_tokens":4,"cache_read_input_tokens":1}}"""));
        var unknown = openAi.TranslateResponse(openAiRequest, 200, AiTestKit.Bytes("""{"answer":"42"}"""));

        Assert.Equal(new Uri("https://api.openai.com/v1/chat/completions"), openAiRequest.Url);
        Assert.Equal(new LlmUsage(3, 4, null, null, "gpt-4o", UsageSource.Provider), fromOpenAi.Usage);
        Assert.Equal(new LlmUsage(4, 4, 1, null, "claude", UsageSource.Provider), fromAnthropic.Usage);
        Assert.Null(unknown.Usage);
    }
}
