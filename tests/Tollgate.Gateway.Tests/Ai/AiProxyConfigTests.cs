using System.Text.Json.Nodes;
using Tollgate.Gateway.Ai;

namespace Tollgate.Gateway.Tests.Ai;

public sealed class AiProxyConfigTests
{
    [Fact]
    public void Seed_config_parses_with_Kong_defaults()
    {
        var config = AiTestKit.Config(AiTestKit.OpenAiConfig);

        Assert.Equal(AiRouteType.Chat, config.RouteType);
        Assert.Equal(AiProvider.OpenAI, config.Model.Provider);
        Assert.Equal("gpt-4", config.Model.Name);
        Assert.Equal("Authorization", config.Auth.HeaderName);
        Assert.Equal("Bearer sk-secret-123", config.Auth.HeaderValue);
        Assert.False(config.Auth.AllowOverride);
        Assert.Equal(ResponseStreaming.Allow, config.ResponseStreaming);
        Assert.True(config.ModelNameHeader);
        Assert.Equal(8192, config.MaxRequestBodySize);
        Assert.Equal("2023-05-15", config.Model.Options.AzureApiVersion);
        Assert.Null(config.Model.Options.AnthropicVersion);
        Assert.False(config.Logging.LogStatistics);
        Assert.False(config.Logging.LogPayloads);
    }

    [Fact]
    public void Normalized_config_has_every_field_with_defaults_and_nulls()
    {
        var normalized = AiTestKit.Config(AiTestKit.OpenAiConfig).Normalize().ToJsonString();

        Assert.Equal(
            """{"route_type":"llm/v1/chat","llm_format":"openai","response_streaming":"allow","max_request_body_size":8192,"model_name_header":true"""
            + ""","auth":{"header_name":"Authorization","header_value":"Bearer sk-secret-123","param_name":null,"param_value":null,"param_location":null"""
            + ""","azure_use_managed_identity":false,"azure_client_id":null,"azure_client_secret":null,"azure_tenant_id":null,"gcp_use_service_account":false"""
            + ""","gcp_service_account_json":null,"aws_access_key_id":null,"aws_secret_access_key":null,"allow_override":false}"""
            + ""","model":{"provider":"openai","name":"gpt-4","options":{"max_tokens":null,"input_cost":null,"output_cost":null,"temperature":null"""
            + ""","top_p":null,"top_k":null,"anthropic_version":null,"azure_instance":null,"azure_api_version":"2023-05-15","azure_deployment_id":null"""
            + ""","llama2_format":null,"mistral_format":null,"upstream_url":null,"upstream_path":null,"gemini":null,"bedrock":null,"huggingface":null}}"""
            + ""","logging":{"log_statistics":false,"log_payloads":false}}""",
            normalized);
    }

    [Fact]
    public void Normalized_config_parses_back_to_the_same_config()
    {
        var config = AiTestKit.Config("""
            {"route_type": "llm/v1/chat", "response_streaming": "deny", "max_request_body_size": 65536, "model_name_header": false,
             "auth": {"param_name": "key", "param_value": "secret", "param_location": "query", "allow_override": true},
             "model": {"provider": "azure", "options": {"azure_instance": "tollgate", "azure_deployment_id": "gpt4o",
                       "azure_api_version": "2024-10-21", "max_tokens": 512, "temperature": 0.7, "top_p": 0.9, "input_cost": 2.5}},
             "logging": {"log_statistics": true}}
            """);

        var again = AiTestKit.Config(config.Normalize().ToJsonString());

        Assert.Equal(config, again);
        Assert.Equal(ResponseStreaming.Deny, again.ResponseStreaming);
        Assert.Equal(65536, again.MaxRequestBodySize);
        Assert.Equal(AuthParamLocation.Query, again.Auth.ParamLocation);
        Assert.Equal(0.7, again.Model.Options.Temperature);
        Assert.Equal(512, again.Model.Options.MaxTokens);
    }

    [Fact]
    public void With_defaults_fills_a_valid_config_and_returns_an_invalid_one_unchanged()
    {
        var filled = AiProxyConfig.WithDefaults(JsonNode.Parse("""{"route_type": "llm/v1/chat", "model": {"provider": "anthropic"}}""")!.AsObject());
        var invalid = AiProxyConfig.WithDefaults(JsonNode.Parse("""{"route_type": "llm/v9"}""")!.AsObject());

        Assert.Equal("allow", filled["response_streaming"]!.GetValue<string>());
        Assert.Equal("2023-06-01", filled["model"]!["options"]!["anthropic_version"]!.GetValue<string>());
        Assert.Equal("""{"route_type":"llm/v9"}""", invalid.ToJsonString());
    }

    [Fact]
    public void Missing_required_fields_are_named()
    {
        var errors = AiTestKit.Errors("{}");

        Assert.Equal(
            [new("config.route_type", "required field missing"), new("config.model", "required field missing")],
            errors);
    }

    [Theory]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "colour": "red"}""", "config.colour", "unknown field")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "options": {"seed": 1}}}""", "config.model.options.seed", "unknown field")]
    [InlineData("""{"route_type": "llm/v2/chat", "model": {"provider": "openai"}}""", "config.route_type", "expected one of: llm/v1/chat, llm/v1/completions, llm/v1/embeddings, llm/v1/responses, preserve")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "acme"}}""", "config.model.provider", "expected one of: openai, azure, anthropic, cohere, mistral, llama2, gemini, bedrock, huggingface")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"name": "gpt-4"}}""", "config.model.provider", "required field missing")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": "gpt-4"}""", "config.model", "expected a record")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "name": 4}}""", "config.model.name", "expected a string")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "options": {"temperature": 6}}}""", "config.model.options.temperature", "value should be between 0 and 5")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "options": {"top_p": 1.5}}}""", "config.model.options.top_p", "value should be between 0 and 1")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "options": {"top_k": 501}}}""", "config.model.options.top_k", "value should be between 0 and 500")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "options": {"max_tokens": 1.5}}}""", "config.model.options.max_tokens", "expected an integer")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "options": {"max_tokens": "many"}}}""", "config.model.options.max_tokens", "expected an integer")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai", "options": {"upstream_url": "not a url"}}}""", "config.model.options.upstream_url", "must be an absolute http or https URL")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "response_streaming": "sometimes"}""", "config.response_streaming", "expected one of: allow, deny, always")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "max_request_body_size": 0}""", "config.max_request_body_size", "value must be greater than 0")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "model_name_header": "yes"}""", "config.model_name_header", "expected a boolean")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "auth": {"param_location": "cookie"}}""", "config.auth.param_location", "expected one of: query, body")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "auth": {"header_name": "Authorization"}}""", "config.auth", "all or none of these fields must be set: 'header_name', 'header_value'")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "auth": {"param_name": "key", "param_value": "v"}}""", "config.auth", "all or none of these fields must be set: 'param_name', 'param_value', 'param_location'")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "auth": {"aws_access_key_id": "AKIA"}}""", "config.auth.aws_access_key_id", "is not supported by Tollgate")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "openai"}, "llm_format": "gemini"}""", "config.llm_format", "'gemini' is not supported by Tollgate; clients speak the OpenAI format ('openai')")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "gemini"}}""", "config.model.provider", "provider 'gemini' is not supported by Tollgate; use openai, azure, anthropic, mistral or llama2 (any OpenAI-compatible server with model.options.upstream_url)")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "cohere"}}""", "config.model.provider", "provider 'cohere' is not supported by Tollgate; use openai, azure, anthropic, mistral or llama2 (any OpenAI-compatible server with model.options.upstream_url)")]
    [InlineData("""{"route_type": "llm/v1/embeddings", "model": {"provider": "anthropic"}}""", "config.route_type", "route type 'llm/v1/embeddings' is not supported for provider anthropic")]
    [InlineData("""{"route_type": "llm/v1/responses", "model": {"provider": "mistral"}}""", "config.route_type", "route type 'llm/v1/responses' is not supported for provider mistral")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "azure", "name": "gpt-4o"}}""", "config.model.options.azure_instance", "must set 'model.options.azure_instance' for azure provider")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "azure", "options": {"azure_instance": "x"}}}""", "config.model.options.azure_deployment_id", "must set 'model.options.azure_deployment_id' (or 'model.name') for azure provider")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "llama2", "options": {"llama2_format": "openai"}}}""", "config.model.options.upstream_url", "must set 'model.options.upstream_url' for llama2 provider")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "llama2", "options": {"llama2_format": "raw", "upstream_url": "http://localhost:8080/v1/chat/completions"}}}""", "config.model.options.llama2_format", "'raw' is not supported by Tollgate; use 'openai' with the server's OpenAI-compatible endpoint in model.options.upstream_url")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "mistral", "options": {"mistral_format": "ollama"}}}""", "config.model.options.mistral_format", "'ollama' is not supported by Tollgate; use 'openai' with the server's OpenAI-compatible endpoint in model.options.upstream_url")]
    [InlineData("""{"route_type": "llm/v1/chat", "model": {"provider": "azure", "options": {"azure_instance": "x", "azure_deployment_id": "y"}}, "auth": {"azure_use_managed_identity": true}}""", "config.auth.azure_use_managed_identity", "managed identity is not supported by Tollgate; set auth.header_name to 'api-key' and auth.header_value to the key")]
    public void Invalid_field_is_named_with_the_reason(string json, string field, string message)
    {
        var errors = AiTestKit.Errors(json);

        Assert.Equal([new ConfigFieldError(field, message)], errors);
    }

    [Fact]
    public void Kong_export_with_null_fields_is_accepted()
    {
        var config = AiTestKit.Config("""
            {"route_type": "llm/v1/chat", "llm_format": "openai", "response_streaming": null,
             "auth": {"header_name": "Authorization", "header_value": "Bearer x", "param_name": null, "param_value": null,
                      "param_location": null, "azure_client_id": null, "gcp_use_service_account": false, "aws_secret_access_key": null},
             "model": {"provider": "openai", "name": "gpt-4o", "options": {"max_tokens": null, "gemini": null, "upstream_url": null}},
             "logging": {"log_statistics": false, "log_payloads": null}}
            """);

        Assert.Equal(ResponseStreaming.Allow, config.ResponseStreaming);
        Assert.Null(config.Model.Options.MaxTokens);
    }

    [Fact]
    public void Provider_defaults_depend_on_the_provider()
    {
        var anthropic = AiTestKit.Config("""{"route_type": "llm/v1/chat", "model": {"provider": "anthropic"}}""");
        var mistral = AiTestKit.Config("""{"route_type": "llm/v1/chat", "model": {"provider": "mistral"}}""");
        var llama = AiTestKit.Config("""{"route_type": "llm/v1/chat", "model": {"provider": "llama2", "options": {"upstream_url": "http://localhost:11434/v1/chat/completions"}}}""");

        Assert.Equal("2023-06-01", anthropic.Model.Options.AnthropicVersion);
        Assert.Equal("openai", mistral.Model.Options.MistralFormat);
        Assert.Equal("openai", llama.Model.Options.Llama2Format);
        Assert.Equal(new Uri("http://localhost:11434/v1/chat/completions"), llama.Model.Options.UpstreamUrl);
    }

    [Fact]
    public void Config_text_never_shows_the_provider_key()
    {
        var config = AiTestKit.Config("""
            {"route_type": "llm/v1/chat", "model": {"provider": "openai"},
             "auth": {"header_name": "Authorization", "header_value": "Bearer sk-secret-123",
                      "param_name": "key", "param_value": "param-secret-789", "param_location": "query"}}
            """);

        var text = config.ToString();

        Assert.DoesNotContain("sk-secret-123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("param-secret-789", text, StringComparison.Ordinal);
        Assert.Contains("HeaderValue = [redacted]", text, StringComparison.Ordinal);
        Assert.Contains("ParamValue = [redacted]", text, StringComparison.Ordinal);
    }
}
