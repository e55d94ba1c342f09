using Tollgate.Gateway.Declarative;
using Tollgate.Gateway.Entities;
using static Tollgate.Gateway.Tests.Declarative.DeclarativeFixtures;

namespace Tollgate.Gateway.Tests.Declarative;

public sealed class DeclarativeRoundTripTests
{
    /// <summary>Every kind of entity and every field Tollgate reads, most of them away from their defaults.</summary>
    private const string Everything = """
        _format_version: "3.0"
        services:
          - name: example-service
            url: http://httpbin.konghq.com/anything
            retries: 3
            connect_timeout: 5000
            read_timeout: 120000
            write_timeout: 7000
            tags: [ai, seed]
            tls_verify: false
            routes:
              - name: chat-route
                paths: [/chat]
                methods: [POST]
                strip_path: false
                headers:
                  x-team: [air, ops]
                  accept: [application/json]
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
                        options: { max_tokens: 512, temperature: 0.7 }
                      logging: { log_statistics: true, log_payloads: false }
            plugins:
              - name: key-auth
                config:
                  key_names: [apikey, x-api-key]
          - name: internal
            protocol: https
            host: internal.example.com
            port: 8443
            enabled: false
          - host: unnamed.example.com
        routes:
          - name: status
            service: internal
            hosts: [status.example.com]
            protocols: [https]
            path_handling: v1
            https_redirect_status_code: 301
            regex_priority: 5
            preserve_host: true
            request_buffering: false
            response_buffering: false
            tags: []
          - name: detached
            paths: ["~/v[0-9]+/models$"]
        consumers:
          - username: kong-air
            custom_id: air-001
            tags: [customer]
            keyauth_credentials:
              - key: "${{ env \"DECK_KONG_AIR_KEY\" }}"
                tags: [primary]
                ttl: 3600
              - key: "12345"
            groups:
              - name: premium
          - custom_id: anonymous-user
          - username: ghost
        consumer_groups:
          - name: premium
            consumers:
              - username: ghost
              - custom_id: anonymous-user
            plugins:
              - name: key-auth
                config: { hide_credentials: true, realm: "true" }
          - name: empty
        plugins:
          - name: ai-proxy
            instance_name: air-status
            route: status
            consumer: kong-air
            enabled: false
            protocols: [http, https]
            tags: [status]
            config:
              route_type: llm/v1/chat
              model: { provider: openai, name: gpt-4o-mini }
          - name: key-auth
            consumer: ghost
          - name: key-auth
        """;

    [Fact]
    public void A_dump_parses_back_to_the_same_config_and_dumping_again_gives_the_same_file()
    {
        var applied = ParseValid(Everything);

        var dump = DeclarativeConfig.Dump(applied);
        var reparsed = ParseValid(dump, existing: applied);

        Assert.Equal(Json(applied), Json(reparsed));
        Assert.Equal(
            (3, 3, 3, 2, 2, 6),
            (reparsed.Services.Length, reparsed.Routes.Length, reparsed.Consumers.Length, reparsed.KeyAuthCredentials.Length, reparsed.ConsumerGroups.Length, reparsed.Plugins.Length));
        Assert.Equal(dump, DeclarativeConfig.Dump(reparsed));
        Assert.Equal(dump, DeclarativeConfig.Dump(applied));
    }

    [Fact]
    public void A_dump_read_into_an_empty_gateway_restores_everything_but_the_key_hints_and_asks_for_the_providers_key()
    {
        var applied = ParseValid(Everything);

        // The dump holds key hashes only, and no provider secret: on an empty gateway the secret must be given.
        var dump = DeclarativeConfig.Dump(applied);
        var refused = Parse(dump, null, null, null);
        Assert.Equal(["plugin 'ai-proxy' on route 'chat-route': config.auth.header_value: " + PluginSecrets.UnresolvedMessage], refused.Errors.Select(e => e.ToString()));
        var restored = ParseValid(dump.Replace("'[REDACTED]'", $"Bearer {OpenAiToken}", StringComparison.Ordinal));

        // The hint of a key is the one thing the dump cannot carry.
        var withoutHints = applied with { KeyAuthCredentials = [.. applied.KeyAuthCredentials.Select(k => k with { KeyHint = "…" })] };
        Assert.Equal(Json(withoutHints), Json(restored));
    }

    [Fact]
    public void The_seed_dumps_as_the_file_a_person_would_write_with_ids_and_without_defaults()
    {
        var config = ParseValid("""
            _format_version: "3.0"
            services:
              - name: example-service
                id: 11111111-1111-4111-8111-111111111111
                url: http://httpbin.konghq.com/anything
                routes:
                  - name: chat-route
                    id: 22222222-2222-4222-8222-222222222222
                    paths: [/chat]
                    methods: [POST]
                    plugins:
                      - name: ai-proxy
                        id: 33333333-3333-4333-8333-333333333333
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
                    id: 44444444-4444-4444-8444-444444444444
                    config:
                      key_names: [apikey]
                      realm: "8192"
            consumers:
              - username: kong-air
                id: 55555555-5555-4555-8555-555555555555
                keyauth_credentials:
                  - key: kong-air-secret-key
                    id: 66666666-6666-4666-8666-666666666666
            """);

        Assert.Equal(
            $"""
            _format_version: "3.0"
            services:
            - name: example-service
              id: 11111111-1111-4111-8111-111111111111
              host: httpbin.konghq.com
              path: /anything
              routes:
              - name: chat-route
                id: 22222222-2222-4222-8222-222222222222
                methods:
                - POST
                paths:
                - /chat
                plugins:
                - name: ai-proxy
                  id: 33333333-3333-4333-8333-333333333333
                  config:
                    route_type: llm/v1/chat
                    auth:
                      header_name: Authorization
                      header_value: '[REDACTED]'
                    model:
                      provider: openai
                      name: gpt-4
              plugins:
              - name: key-auth
                id: 44444444-4444-4444-8444-444444444444
                config:
                  realm: "8192"
            consumers:
            - username: kong-air
              id: 55555555-5555-4555-8555-555555555555
              keyauth_credentials:
              - key: {KeyAuthKeys.Hash("kong-air-secret-key")}
                id: 66666666-6666-4666-8666-666666666666

            """,
            DeclarativeConfig.Dump(config));
    }

    [Fact]
    public void Applying_the_same_file_again_keeps_every_id_and_time()
    {
        var clock = Clock();
        var first = ParseValid(Seed, time: clock);

        clock.Advance(TimeSpan.FromHours(1));
        var second = ParseValid(Seed, existing: first, time: clock);

        Assert.Equal(Json(first), Json(second));
    }

    [Fact]
    public void A_changed_entity_keeps_its_id_and_created_at_and_gets_a_new_updated_at()
    {
        var clock = Clock();
        var first = ParseValid(Seed, time: clock);

        clock.Advance(TimeSpan.FromHours(1));
        var second = ParseValid(Seed.Replace("- /chat", "- /v1/chat", StringComparison.Ordinal), existing: first, time: clock);

        var route = Assert.Single(second.Routes);
        Assert.Equal(
            Json(first.Routes[0] with { Paths = ["/v1/chat"], UpdatedAt = Start + 3600 }),
            Json(route));
        Assert.Equal(Json(first with { Routes = second.Routes }), Json(second));
    }

    [Fact]
    public void Entities_match_by_name_username_key_and_scope_when_the_file_has_no_ids()
    {
        var first = ParseValid(Seed);
        var renamedKey = new Dictionary<string, string>(Environment()) { ["DECK_KONG_AIR_KEY"] = "a-new-key" };

        var second = ParseValid(Seed, existing: first, environment: renamedKey);

        Assert.Equal(
            (first.Services[0].Id, first.Routes[0].Id, first.Consumers[0].Id, first.Plugins[0].Id, first.Plugins[1].Id),
            (second.Services[0].Id, second.Routes[0].Id, second.Consumers[0].Id, second.Plugins[0].Id, second.Plugins[1].Id));

        // A different key is a different credential: Kong matches credentials by key.
        var credential = Assert.Single(second.KeyAuthCredentials);
        Assert.NotEqual(first.KeyAuthCredentials[0].Id, credential.Id);
        Assert.Equal((KeyAuthKeys.Hash("a-new-key"), "a-ne…"), (credential.KeyHash, credential.KeyHint));
    }

    [Fact]
    public void A_credential_without_a_key_keeps_the_key_generated_the_first_time()
    {
        const string keyless = """
            _format_version: "3.0"
            consumers:
              - username: kong-air
                keyauth_credentials:
                  - tags: [generated]
            """;
        var first = ParseValid(keyless);

        var second = ParseValid(keyless, existing: first);

        Assert.Equal(Json(first.KeyAuthCredentials[0]), Json(Assert.Single(second.KeyAuthCredentials)));
    }

    [Fact]
    public void Entities_left_out_of_the_file_are_removed()
    {
        var first = ParseValid(Seed);

        var second = ParseValid("""
            _format_version: "3.0"
            consumers:
              - username: kong-air
            """, existing: first);

        Assert.Equal(
            (0, 0, 1, 0, 0),
            (second.Services.Length, second.Routes.Length, second.Consumers.Length, second.KeyAuthCredentials.Length, second.Plugins.Length));
        Assert.Equal(Json(first.Consumers[0]), Json(second.Consumers[0]));
    }
}
