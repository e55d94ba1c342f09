using Tollgate.Gateway.Ai;

namespace Tollgate.Gateway.Tests.Ai;

public sealed class OpenAiRequestTests
{
    private const string Hello = """{"messages":[{"role":"user","content":"Hello world"}]}""";

    [Fact]
    public void Chat_request_gets_the_configured_model()
    {
        var request = AiTestKit.Prepare(AiTestKit.Provider(AiTestKit.OpenAiConfig), Hello);

        Assert.Equal("""{"messages":[{"role":"user","content":"Hello world"}],"model":"gpt-4"}""", AiTestKit.Text(request.Body));
        Assert.Equal(new Uri("https://api.openai.com/v1/chat/completions"), request.Url);
        Assert.Equal(
            [new("Authorization", "Bearer sk-secret-123"), new("Content-Type", "application/json"), new("Accept-Encoding", "identity")],
            request.Headers);
        Assert.Null(request.RequestedModel);
        Assert.Equal("gpt-4", request.EffectiveModel);
        Assert.Equal("openai/gpt-4", request.ModelNameHeader);
        Assert.False(request.Stream);
        Assert.Equal(Hello, AiTestKit.Text(request.ClientBody));
    }

    [Fact]
    public void Chat_request_naming_the_configured_model_goes_unchanged()
    {
        const string Body = """{ "model" : "gpt-4", "messages": [{"role": "user", "content": "Hi"}] }""";

        var request = AiTestKit.Prepare(AiTestKit.Provider(AiTestKit.OpenAiConfig), Body);

        Assert.Equal(Body, AiTestKit.Text(request.Body));
        Assert.Equal("gpt-4", request.RequestedModel);
    }

    [Theory]
    [InlineData("""{"model":"","messages":[{"role":"user","content":"Hi"}]}""", """{"messages":[{"role":"user","content":"Hi"}],"model":"gpt-4"}""")]
    [InlineData("""{"model":null,"messages":[{"role":"user","content":"Hi"}]}""", """{"messages":[{"role":"user","content":"Hi"}],"model":"gpt-4"}""")]
    public void Chat_request_with_an_empty_model_gets_the_configured_one(string body, string expected)
    {
        var request = AiTestKit.Prepare(AiTestKit.Provider(AiTestKit.OpenAiConfig), body);

        Assert.Equal(expected, AiTestKit.Text(request.Body));
    }

    [Fact]
    public void Chat_request_naming_another_model_is_refused_as_Kong_does()
    {
        var error = AiTestKit.Refuse(AiTestKit.Provider(AiTestKit.OpenAiConfig), """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("""{"error":{"message":"cannot use own model - must be: gpt-4","type":"invalid_request_error"}}""", AiTestKit.Text(error.Body));
    }

    [Fact]
    public void Without_a_configured_model_the_client_chooses()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}}""");

        var request = AiTestKit.Prepare(provider, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}""");
        var error = AiTestKit.Refuse(provider, """{"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal("gpt-4o-mini", request.EffectiveModel);
        Assert.Equal("openai/gpt-4o-mini", request.ModelNameHeader);
        Assert.Equal("""{"error":{"message":"model parameter not found in request, nor in gateway configuration","type":"invalid_request_error"}}""", AiTestKit.Text(error.Body));
    }

    [Theory]
    [InlineData("""{"messages": [""", "request body is not valid JSON")]
    [InlineData("""[{"role":"user"}]""", "request body must be a JSON object")]
    [InlineData("""{"messages":[]} {}""", "request body is not valid JSON")]
    [InlineData("""{"prompt":"Hi"}""", "'messages' must be a non-empty array for route type llm/v1/chat")]
    [InlineData("""{"messages":[]}""", "'messages' must be a non-empty array for route type llm/v1/chat")]
    [InlineData("""{"messages":"Hi"}""", "'messages' must be a non-empty array for route type llm/v1/chat")]
    [InlineData("""{"model":4,"messages":[{"role":"user","content":"Hi"}]}""", "'model' must be a string")]
    [InlineData("""{"stream":"yes","messages":[{"role":"user","content":"Hi"}]}""", "'stream' must be a boolean")]
    public void Malformed_chat_request_gets_an_OpenAI_error(string body, string message)
    {
        var error = AiTestKit.Refuse(AiTestKit.Provider(AiTestKit.OpenAiConfig), body);

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(message, error.Message);
        Assert.Equal("{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\"}}", AiTestKit.Text(error.Body));
    }

    [Theory]
    [InlineData("llm/v1/completions", """{"messages":[{"role":"user","content":"Hi"}]}""", "'prompt' must be a string or an array for route type llm/v1/completions")]
    [InlineData("llm/v1/embeddings", """{"prompt":"Hi"}""", "'input' must be a string or an array for route type llm/v1/embeddings")]
    [InlineData("llm/v1/responses", """{"messages":[{"role":"user","content":"Hi"}]}""", "'input' must be a string or an array for route type llm/v1/responses")]
    public void Request_of_the_wrong_shape_for_the_route_type_is_refused(string routeType, string body, string message)
    {
        var provider = AiTestKit.Provider("{\"route_type\": \"" + routeType + "\", \"model\": {\"provider\": \"openai\", \"name\": \"m\"}}");

        Assert.Equal(message, AiTestKit.Refuse(provider, body).Message);
    }

    [Fact]
    public void Streaming_chat_asks_for_usage_when_the_client_did_not()
    {
        var request = AiTestKit.Prepare(AiTestKit.Provider(AiTestKit.OpenAiConfig), """{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal("""{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"Hi"}],"stream_options":{"include_usage":true}}""", AiTestKit.Text(request.Body));
        Assert.True(request.Stream);
        Assert.False(request.ClientAskedForUsage);
    }

    [Fact]
    public void Streaming_chat_that_asked_for_usage_goes_unchanged()
    {
        const string Body = """{"model":"gpt-4","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}""";

        var request = AiTestKit.Prepare(AiTestKit.Provider(AiTestKit.OpenAiConfig), Body);

        Assert.Equal(Body, AiTestKit.Text(request.Body));
        Assert.True(request.ClientAskedForUsage);
    }

    [Fact]
    public void Streaming_chat_that_declined_usage_keeps_its_other_stream_options()
    {
        var request = AiTestKit.Prepare(
            AiTestKit.Provider(AiTestKit.OpenAiConfig),
            """{"model":"gpt-4","stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false},"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(
            """{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"Hi"}],"stream_options":{"include_obfuscation":false,"include_usage":true}}""",
            AiTestKit.Text(request.Body));
        Assert.False(request.ClientAskedForUsage);
    }

    [Fact]
    public void Streaming_completions_ask_for_usage_too()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/completions", "model": {"provider": "openai", "name": "gpt-3.5-turbo-instruct"}}""");

        var request = AiTestKit.Prepare(provider, """{"prompt":"Say hi","stream":true}""");

        Assert.Equal("""{"prompt":"Say hi","stream":true,"model":"gpt-3.5-turbo-instruct","stream_options":{"include_usage":true}}""", AiTestKit.Text(request.Body));
        Assert.Equal(new Uri("https://api.openai.com/v1/completions"), request.Url);
    }

    [Theory]
    [InlineData("""{"provider": "mistral", "name": "mistral-large-latest"}""", false)]
    [InlineData("""{"provider": "azure", "name": "gpt-4o", "options": {"azure_instance": "acme"}}""", false)]
    [InlineData("""{"provider": "azure", "name": "gpt-4o", "options": {"azure_instance": "acme", "azure_api_version": "2024-10-21"}}""", true)]
    [InlineData("""{"provider": "llama2", "name": "llama3", "options": {"upstream_url": "http://localhost:11434/v1/chat/completions"}}""", true)]
    public void Usage_is_asked_for_only_where_the_upstream_accepts_stream_options(string model, bool asked)
    {
        var provider = AiTestKit.Provider("{\"route_type\": \"llm/v1/chat\", \"model\": " + model + "}");

        var request = AiTestKit.Prepare(provider, """{"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(asked, AiTestKit.Text(request.Body).Contains("stream_options", StringComparison.Ordinal));
    }

    [Fact]
    public void Configured_options_fill_what_the_request_leaves_out()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/chat",
             "model": {"provider": "openai", "name": "gpt-4o", "options": {"max_tokens": 256, "temperature": 0.2, "top_p": 0.9, "top_k": 40}}}
            """);

        var bare = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hi"}]}""");
        var own = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hi"}],"temperature":1,"max_completion_tokens":50}""");

        Assert.Equal(
            """{"messages":[{"role":"user","content":"Hi"}],"model":"gpt-4o","max_tokens":256,"temperature":0.2,"top_p":0.9}""",
            AiTestKit.Text(bare.Body));
        Assert.Equal(
            """{"messages":[{"role":"user","content":"Hi"}],"temperature":1,"max_completion_tokens":50,"model":"gpt-4o","top_p":0.9}""",
            AiTestKit.Text(own.Body));
    }

    [Fact]
    public void Responses_request_gets_max_output_tokens_and_the_responses_url()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/responses", "model": {"provider": "openai", "name": "gpt-4.1", "options": {"max_tokens": 100}}}
            """);

        var request = AiTestKit.Prepare(provider, """{"input":"Hello world","stream":true}""");

        Assert.Equal("""{"input":"Hello world","stream":true,"model":"gpt-4.1","max_output_tokens":100}""", AiTestKit.Text(request.Body));
        Assert.Equal(new Uri("https://api.openai.com/v1/responses"), request.Url);
        Assert.True(request.Stream);
    }

    [Fact]
    public void Embeddings_request_gets_only_the_model()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/embeddings", "model": {"provider": "openai", "name": "text-embedding-3-small", "options": {"max_tokens": 100, "temperature": 1}}}
            """);

        var request = AiTestKit.Prepare(provider, """{"input":["Hello world"]}""");

        Assert.Equal("""{"input":["Hello world"],"model":"text-embedding-3-small"}""", AiTestKit.Text(request.Body));
        Assert.Equal(new Uri("https://api.openai.com/v1/embeddings"), request.Url);
    }

    [Theory]
    [InlineData("""{"provider": "mistral", "name": "mistral-large-latest"}""", "llm/v1/chat", "https://api.mistral.ai/v1/chat/completions")]
    [InlineData("""{"provider": "mistral", "name": "mistral-embed"}""", "llm/v1/embeddings", "https://api.mistral.ai/v1/embeddings")]
    [InlineData("""{"provider": "azure", "name": "gpt-4o", "options": {"azure_instance": "acme", "azure_deployment_id": "prod-4o"}}""", "llm/v1/chat", "https://acme.openai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2023-05-15")]
    [InlineData("""{"provider": "azure", "name": "gpt-4o", "options": {"azure_instance": "acme"}}""", "llm/v1/embeddings", "https://acme.openai.azure.com/openai/deployments/gpt-4o/embeddings?api-version=2023-05-15")]
    [InlineData("""{"provider": "azure", "name": "gpt-4o", "options": {"azure_instance": "acme", "azure_api_version": "2025-04-01-preview"}}""", "llm/v1/responses", "https://acme.openai.azure.com/openai/responses?api-version=2025-04-01-preview")]
    [InlineData("""{"provider": "llama2", "name": "llama3", "options": {"llama2_format": "openai", "upstream_url": "http://127.0.0.1:8080/v1/chat/completions"}}""", "llm/v1/chat", "http://127.0.0.1:8080/v1/chat/completions")]
    [InlineData("""{"provider": "openai", "name": "qwen", "options": {"upstream_url": "http://vllm.internal:8000/v1/chat/completions"}}""", "llm/v1/chat", "http://vllm.internal:8000/v1/chat/completions")]
    [InlineData("""{"provider": "openai", "name": "gpt-4o", "options": {"upstream_path": "/proxy/v1/chat"}}""", "llm/v1/chat", "https://api.openai.com/proxy/v1/chat")]
    public void Upstream_url_follows_the_provider_and_its_options(string model, string routeType, string url)
    {
        var provider = AiTestKit.Provider("{\"route_type\": \"" + routeType + "\", \"model\": " + model + "}");
        var body = routeType == "llm/v1/chat" ? """{"messages":[{"role":"user","content":"Hi"}]}""" : """{"input":"Hi"}""";

        var request = AiTestKit.Prepare(provider, body);

        Assert.Equal(url, request.Url.AbsoluteUri);
    }

    [Fact]
    public void Azure_api_version_from_the_client_wins()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/chat", "model": {"provider": "azure", "name": "gpt-4o", "options": {"azure_instance": "acme"}}}""");

        var request = AiTestKit.Prepare(provider, Hello, new ClientRequestInfo(Query: "?api-version=2024-10-21"));

        Assert.Equal("https://acme.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", request.Url.AbsoluteUri);
        Assert.Equal("azure/gpt-4o", request.ModelNameHeader);
    }

    [Fact]
    public void Reused_route_url_still_follows_each_client_query()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/chat", "model": {"provider": "azure", "name": "gpt-4o", "options": {"azure_instance": "acme"}}}""");

        var first = AiTestKit.Prepare(provider, Hello);
        var own = AiTestKit.Prepare(provider, Hello, new ClientRequestInfo(Query: "api-version=2024-10-21"));
        var again = AiTestKit.Prepare(provider, Hello);

        Assert.Equal("https://acme.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2023-05-15", first.Url.AbsoluteUri);
        Assert.Equal("https://acme.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", own.Url.AbsoluteUri);
        Assert.Same(first.Url, again.Url);
    }

    [Fact]
    public void Azure_deployment_follows_the_requested_model_when_none_is_configured()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/responses", "model": {"provider": "azure", "options": {"azure_instance": "acme"}}}""");
        var chat = AiTestKit.Provider("""{"route_type": "llm/v1/embeddings", "model": {"provider": "azure", "options": {"azure_instance": "acme", "azure_deployment_id": "emb"}}}""");

        var responses = AiTestKit.Prepare(provider, """{"model":"gpt-4.1-mini","input":"Hi"}""");
        var embeddings = AiTestKit.Prepare(chat, """{"model":"text-embedding-3-small","input":"Hi"}""");

        Assert.Equal("https://acme.openai.azure.com/openai/responses?api-version=2023-05-15", responses.Url.AbsoluteUri);
        Assert.Equal("https://acme.openai.azure.com/openai/deployments/emb/embeddings?api-version=2023-05-15", embeddings.Url.AbsoluteUri);
    }

    [Fact]
    public void Auth_parameter_goes_in_the_query()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/chat", "model": {"provider": "openai", "name": "gpt-4o"},
             "auth": {"param_name": "key", "param_value": "secret value", "param_location": "query"}}
            """);

        var request = AiTestKit.Prepare(provider, Hello);

        Assert.Equal("https://api.openai.com/v1/chat/completions?key=secret%20value", request.Url.AbsoluteUri);
        Assert.Equal([new("Content-Type", "application/json"), new("Accept-Encoding", "identity")], request.Headers);
    }

    [Fact]
    public void Auth_parameter_goes_in_the_body()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/chat", "model": {"provider": "openai", "name": "gpt-4o"},
             "auth": {"param_name": "api_key", "param_value": "secret", "param_location": "body"}}
            """);

        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hi"}],"api_key":"mine"}""");

        Assert.Equal("""{"messages":[{"role":"user","content":"Hi"}],"model":"gpt-4o","api_key":"secret"}""", AiTestKit.Text(request.Body));
    }

    [Fact]
    public void Client_auth_wins_only_with_allow_override()
    {
        const string Overridable = """
            {"route_type": "llm/v1/chat", "model": {"provider": "openai", "name": "gpt-4o"},
             "auth": {"header_name": "Authorization", "header_value": "Bearer sk-secret-123", "allow_override": true}}
            """;
        var client = new ClientRequestInfo(HasAuthHeader: true);

        var overridden = AiTestKit.Prepare(AiTestKit.Provider(Overridable), Hello, client);
        var enforced = AiTestKit.Prepare(AiTestKit.Provider(AiTestKit.OpenAiConfig), Hello, client);

        Assert.DoesNotContain(overridden.Headers, header => header.Key == "Authorization");
        Assert.Contains(new KeyValuePair<string, string>("Authorization", "Bearer sk-secret-123"), enforced.Headers);
    }

    [Fact]
    public void Client_query_auth_wins_with_allow_override()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/chat", "model": {"provider": "openai", "name": "gpt-4o"},
             "auth": {"param_name": "key", "param_value": "configured", "param_location": "query", "allow_override": true}}
            """);

        var request = AiTestKit.Prepare(provider, Hello, new ClientRequestInfo(Query: "key=mine&x=1"));

        Assert.Equal("https://api.openai.com/v1/chat/completions?key=mine", request.Url.AbsoluteUri);
    }

    [Fact]
    public void Upstream_request_text_never_shows_the_provider_key()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "llm/v1/chat", "model": {"provider": "openai", "name": "gpt-4o"},
             "auth": {"header_name": "Authorization", "header_value": "Bearer sk-secret-123",
                      "param_name": "key", "param_value": "param-secret-789", "param_location": "query"}}
            """);

        var text = AiTestKit.Prepare(provider, Hello).ToString();

        Assert.DoesNotContain("sk-secret-123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("param-secret-789", text, StringComparison.Ordinal);
        Assert.Equal(
            "UpstreamRequest { Provider = openai, RouteType = llm/v1/chat, Url = https://api.openai.com/v1/chat/completions?[redacted], "
            + "Headers = [Authorization, Content-Type, Accept-Encoding], Body = 71 bytes, Stream = False, ClientAskedForUsage = False, "
            + "RequestedModel = , EffectiveModel = gpt-4o }",
            text);
    }

    [Fact]
    public void Body_over_the_configured_size_is_refused()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/chat", "max_request_body_size": 40, "model": {"provider": "openai", "name": "gpt-4o"}}""");

        var error = AiTestKit.Refuse(provider, """{"messages":[{"role":"user","content":"Hello world"}]}""");

        Assert.Equal(413, error.StatusCode);
        Assert.Equal("request body is larger than the 40 bytes this route accepts (config.max_request_body_size)", error.Message);
    }

    [Fact]
    public void Streaming_is_refused_when_denied()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/chat", "response_streaming": "deny", "model": {"provider": "openai", "name": "gpt-4o"}}""");

        var error = AiTestKit.Refuse(provider, """{"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
        var plain = AiTestKit.Prepare(provider, """{"stream":false,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal("response streaming is not enabled for this LLM", error.Message);
        Assert.False(plain.Stream);
    }

    [Fact]
    public void Streaming_is_forced_when_always()
    {
        var provider = AiTestKit.Provider("""{"route_type": "llm/v1/chat", "response_streaming": "always", "model": {"provider": "openai", "name": "gpt-4o"}}""");

        var request = AiTestKit.Prepare(provider, """{"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal("""{"messages":[{"role":"user","content":"Hi"}],"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}""", AiTestKit.Text(request.Body));
        Assert.True(request.Stream);
    }

    [Fact]
    public void Preserve_sends_the_body_as_it_came_to_the_client_path()
    {
        var provider = AiTestKit.Provider("""
            {"route_type": "preserve", "auth": {"header_name": "x-api-key", "header_value": "k"}, "model": {"provider": "anthropic"}}
            """);
        const string Body = """{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}""";

        var request = AiTestKit.Prepare(provider, Body, new ClientRequestInfo(Path: "/v1/messages"));

        Assert.Equal(Body, AiTestKit.Text(request.Body));
        Assert.Equal(new Uri("https://api.anthropic.com/v1/messages"), request.Url);
        Assert.Equal([new("x-api-key", "k"), new("Accept-Encoding", "identity"), new("anthropic-version", "2023-06-01")], request.Headers);
        Assert.Equal("claude-haiku-4-5", request.EffectiveModel);
    }
}
