using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Declarative;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Storage;

namespace Tollgate.Gateway.Tests.Declarative;

/// <summary>The seed's gateway config as a decK file, and helpers to parse and compare configs.</summary>
internal static class DeclarativeFixtures
{
    /// <summary>2024-01-01T00:00:00Z, when the fake clock starts.</summary>
    public const long Start = 1_704_067_200;

    public const string OpenAiToken = "sk-test-openai";

    public const string KongAirKey = "kong-air-secret-key";

    /// <summary>Kong's "Meter LLM traffic" guide: the service, its chat route with ai-proxy, key-auth, and the consumer.</summary>
    public const string Seed = """
        _format_version: "3.0"
        services:
          - name: example-service
            url: http://httpbin.konghq.com/anything
            routes:
              - name: chat-route
                paths:
                  - /chat
                methods:
                  - POST
                plugins:
                  - name: ai-proxy
                    config:
                      route_type: llm/v1/chat
                      auth:
                        header_name: Authorization
                        header_value: Bearer ${{ env "DECK_OPENAI_TOKEN" }}
                      model:
                        provider: openai
                        name: gpt-4
            plugins:
              - name: key-auth
                config:
                  key_names:
                    - apikey
        consumers:
          - username: kong-air
            keyauth_credentials:
              - key: "${{ env \"DECK_KONG_AIR_KEY\" }}"
        """;

    public static Dictionary<string, string> Environment() => new(StringComparer.Ordinal)
    {
        ["DECK_OPENAI_TOKEN"] = OpenAiToken,
        ["DECK_KONG_AIR_KEY"] = KongAirKey,
    };

    public static FakeTimeProvider Clock() => new(DateTimeOffset.FromUnixTimeSeconds(Start));

    public static DeclarativeParseResult Parse(string text, GatewayConfig? existing = null, TimeProvider? time = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = environment ?? Environment();
        return DeclarativeConfig.Parse(text, existing ?? GatewayConfig.Empty, name => variables.GetValueOrDefault(name), time ?? Clock());
    }

    /// <summary>Parses a file that must be valid, showing the errors when it is not.</summary>
    public static GatewayConfig ParseValid(string text, GatewayConfig? existing = null, TimeProvider? time = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = Parse(text, existing, time, environment);
        Assert.Equal([], result.Errors.Select(error => error.ToString()));
        return result.Config!;
    }

    /// <summary>Every entity as the store writes it, so two configs compare field by field.</summary>
    public static string Json(GatewayConfig config) => string.Join(
        "\n",
        [
            .. config.Services.Select(Json),
            .. config.Routes.Select(Json),
            .. config.Consumers.Select(Json),
            .. config.KeyAuthCredentials.Select(Json),
            .. config.ConsumerGroups.Select(Json),
            .. config.Plugins.Select(Json),
        ]);

    public static string Json(Service service) => JsonSerializer.Serialize(service, GatewayJson.Default.Service);

    public static string Json(Route route) => JsonSerializer.Serialize(route, GatewayJson.Default.Route);

    public static string Json(Consumer consumer) => JsonSerializer.Serialize(consumer, GatewayJson.Default.Consumer);

    public static string Json(KeyAuthCredential credential) => JsonSerializer.Serialize(credential, GatewayJson.Default.KeyAuthCredential);

    public static string Json(ConsumerGroup group) => JsonSerializer.Serialize(group, GatewayJson.Default.ConsumerGroup);

    public static string Json(Plugin plugin) => JsonSerializer.Serialize(plugin, GatewayJson.Default.Plugin);
}
