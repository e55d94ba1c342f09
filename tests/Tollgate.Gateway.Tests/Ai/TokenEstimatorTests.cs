using Tollgate.Gateway.Ai;

namespace Tollgate.Gateway.Tests.Ai;

public sealed class TokenEstimatorTests
{
    private static readonly TokenEstimator Estimator = TokenEstimator.Shared;

    [Theory]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4o-mini-2024-07-18", "o200k_base")]
    [InlineData("gpt-4.1", "o200k_base")]
    [InlineData("gpt-5-mini", "o200k_base")]
    [InlineData("o1-preview", "o200k_base")]
    [InlineData("o3-mini", "o200k_base")]
    [InlineData("o4-mini", "o200k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    [InlineData("gpt-4-turbo", "cl100k_base")]
    [InlineData("gpt-3.5-turbo", "cl100k_base")]
    [InlineData("gpt-35-turbo", "cl100k_base")]
    [InlineData("openai/gpt-4", "cl100k_base")]
    [InlineData("text-embedding-3-small", "cl100k_base")]
    [InlineData("claude-sonnet-4-5", "o200k_base")]
    [InlineData("llama3", "o200k_base")]
    [InlineData(null, "o200k_base")]
    public void Model_picks_its_encoding(string? model, string encoding) =>
        Assert.Equal(encoding, TokenEstimator.EncodingFor(model));

    [Theory]
    [InlineData("Hello world", "gpt-4o", 2)]
    [InlineData("Hello world", "gpt-4", 2)]
    [InlineData("tokenizer", "gpt-4o", 2)]
    [InlineData("tokenizer", "gpt-4", 1)]
    [InlineData("The quick brown fox jumps over the lazy dog.", "gpt-4o", 10)]
    [InlineData("Bonjour, ça va ?", "gpt-4o", 5)]
    [InlineData("", "gpt-4o", 0)]
    public void Text_counts_as_the_tokenizer_says(string text, string model, int tokens) =>
        Assert.Equal(tokens, Estimator.CountTokens(text, model));

    [Theory]
    // 3 priming + per message 3 + role + content.
    [InlineData("""{"messages":[{"role":"user","content":"Hello world"}]}""", 9)]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"text","text":"Hello world"}]}]}""", 9)]
    [InlineData("""{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hi"}]}""", 17)]
    // A name costs its tokens plus one.
    [InlineData("""{"messages":[{"role":"user","name":"Ann","content":"Hi"}]}""", 10)]
    // An image part counts a fixed 85.
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}""", 93)]
    // Tool calls count their name and arguments: "get_weather" 2 + {"city":"Paris"} 5.
    [InlineData("""{"messages":[{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}]}""", 14)]
    public void Chat_prompt_follows_OpenAI_counting(string body, long tokens) =>
        Assert.Equal(tokens, Estimator.EstimatePromptTokens(AiRouteType.Chat, AiTestKit.Bytes(body), "gpt-4o"));

    [Theory]
    [InlineData("Completions", """{"prompt":"Hello world"}""", 2)]
    [InlineData("Completions", """{"prompt":["Hello world","Hi"]}""", 3)]
    [InlineData("Embeddings", """{"input":"The quick brown fox jumps over the lazy dog."}""", 10)]
    [InlineData("Embeddings", """{"input":[[1,2,3],[4]]}""", 4)]
    [InlineData("Embeddings", """{"input":[101,102]}""", 2)]
    [InlineData("Responses", """{"input":"Hello world"}""", 9)]
    [InlineData("Responses", """{"input":"Hello world","instructions":"You are terse."}""", 17)]
    [InlineData("Responses", """{"input":[{"role":"user","content":[{"type":"input_text","text":"Hello world"}]},{"type":"function_call_output","call_id":"c","output":"Paris"}]}""", 10)]
    [InlineData("Chat", "not json at all", 4)]
    public void Other_prompts_count_their_text(string routeType, string body, long tokens) =>
        Assert.Equal(tokens, Estimator.EstimatePromptTokens(Enum.Parse<AiRouteType>(routeType), AiTestKit.Bytes(body), "gpt-4o"));

    [Fact]
    public void Complete_provider_usage_is_kept()
    {
        var provided = new LlmUsage(19, 10, 4, 2, "gpt-4o", UsageSource.Provider);

        var usage = Estimator.Resolve(AiRouteType.Chat, AiTestKit.Bytes("""{"messages":[]}"""), "gpt-4o", provided, "Hello world");

        Assert.Same(provided, usage);
    }

    [Fact]
    public void Missing_provider_usage_is_estimated()
    {
        var usage = Estimator.Resolve(
            AiRouteType.Chat, AiTestKit.Bytes("""{"messages":[{"role":"user","content":"Hello world"}]}"""), "gpt-4o", null, "Hello world!", "gpt-4o-2024-08-06");

        Assert.Equal(new LlmUsage(9, 3, null, null, "gpt-4o-2024-08-06", UsageSource.Estimated), usage);
    }

    [Fact]
    public void Partial_provider_usage_keeps_its_prompt_and_estimates_the_rest()
    {
        var partial = new LlmUsage(120, 1, 100, null, "claude-sonnet-4-5", UsageSource.Estimated);

        var usage = Estimator.Resolve(AiRouteType.Chat, AiTestKit.Bytes("""{"messages":[]}"""), "claude-sonnet-4-5", partial, "Hello world");

        Assert.Equal(new LlmUsage(120, 2, 100, null, "claude-sonnet-4-5", UsageSource.Estimated), usage);
    }

    [Fact]
    public void Nothing_generated_and_nothing_reported_counts_the_prompt_only()
    {
        var usage = Estimator.Resolve(AiRouteType.Chat, AiTestKit.Bytes("""{"messages":[{"role":"user","content":"Hello world"}]}"""), "gpt-4o", null, default);

        Assert.Equal(new LlmUsage(9, 0, null, null, null, UsageSource.Estimated), usage);
    }
}
