using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Ai;

namespace Tollgate.Gateway.Tests.Ai;

/// <summary>Builds configs, providers and requests for the ai-proxy tests.</summary>
internal static class AiTestKit
{
    public const long Now = 1_700_000_000;

    public const string OpenAiConfig = """
        {"route_type": "llm/v1/chat",
         "auth": {"header_name": "Authorization", "header_value": "Bearer sk-secret-123"},
         "model": {"provider": "openai", "name": "gpt-4"}}
        """;

    public const string AnthropicConfig = """
        {"route_type": "llm/v1/chat",
         "auth": {"header_name": "x-api-key", "header_value": "sk-ant-secret-456"},
         "model": {"provider": "anthropic", "name": "claude-sonnet-4-5"}}
        """;

    public static AiProxyConfig Config(string json)
    {
        var errors = new List<ConfigFieldError>();
        var config = AiProxyConfig.Parse(JsonNode.Parse(json)!.AsObject(), errors);
        Assert.Empty(errors);
        return config!;
    }

    public static List<ConfigFieldError> Errors(string json)
    {
        var errors = new List<ConfigFieldError>();
        Assert.Null(AiProxyConfig.Parse(JsonNode.Parse(json)!.AsObject(), errors));
        return errors;
    }

    public static ILlmProvider Provider(string configJson) =>
        LlmProviders.Create(Config(configJson), TokenEstimator.Shared, new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Now)));

    public static UpstreamRequest Prepare(ILlmProvider provider, string body, ClientRequestInfo client = default)
    {
        var ok = provider.TryPrepareRequest(Encoding.UTF8.GetBytes(body), client, out var request, out var error);
        Assert.True(ok, error?.Message);
        return request!;
    }

    public static LlmErrorResponse Refuse(ILlmProvider provider, string body, ClientRequestInfo client = default)
    {
        var ok = provider.TryPrepareRequest(Encoding.UTF8.GetBytes(body), client, out _, out var error);
        Assert.False(ok);
        return error!;
    }

    public static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Feeds the stream split at <paramref name="splits"/> (offsets), completes it, and returns what the client got.</summary>
    public static string Run(IStreamTranslator translator, byte[] stream, params int[] splits)
    {
        var output = new ArrayBufferWriter<byte>();
        var start = 0;
        foreach (var split in splits)
        {
            translator.Process(stream.AsSpan(start, split - start), output);
            start = split;
        }

        translator.Process(stream.AsSpan(start), output);
        translator.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
