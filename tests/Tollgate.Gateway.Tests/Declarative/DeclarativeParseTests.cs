using System.Text.Json.Nodes;
using Tollgate.Gateway.Declarative;
using Tollgate.Gateway.Entities;
using static Tollgate.Gateway.Tests.Declarative.DeclarativeFixtures;

namespace Tollgate.Gateway.Tests.Declarative;

public sealed class DeclarativeParseTests
{
    [Fact]
    public void The_seed_config_parses_into_the_entities_it_declares()
    {
        var config = ParseValid(Seed);

        var service = Assert.Single(config.Services);
        Assert.Equal(
            Json(new Service { Id = service.Id, CreatedAt = Start, UpdatedAt = Start, Name = "example-service", Protocol = "http", Host = "httpbin.konghq.com", Port = 80, Path = "/anything" }),
            Json(service));

        var route = Assert.Single(config.Routes);
        Assert.Equal(
            Json(new Route { Id = route.Id, CreatedAt = Start, UpdatedAt = Start, Name = "chat-route", Paths = ["/chat"], Methods = ["POST"], Service = new EntityRef(service.Id) }),
            Json(route));

        var consumer = Assert.Single(config.Consumers);
        Assert.Equal(Json(new Consumer { Id = consumer.Id, CreatedAt = Start, UpdatedAt = Start, Username = "kong-air" }), Json(consumer));

        var credential = Assert.Single(config.KeyAuthCredentials);
        Assert.Equal(
            Json(new KeyAuthCredential { Id = credential.Id, CreatedAt = Start, Consumer = new EntityRef(consumer.Id), KeyHash = KeyAuthKeys.Hash(KongAirKey), KeyHint = "kong…" }),
            Json(credential));

        Assert.Empty(config.ConsumerGroups);
        Assert.Collection(
            config.Plugins,
            aiProxy => Assert.Equal(
                Json(new Plugin
                {
                    Id = aiProxy.Id,
                    CreatedAt = Start,
                    UpdatedAt = Start,
                    Name = "ai-proxy",
                    Route = new EntityRef(route.Id),
                    Config = PluginSchemas.WithDefaults("ai-proxy", Object($$"""
                        {
                          "route_type": "llm/v1/chat",
                          "auth": { "header_name": "Authorization", "header_value": "Bearer {{OpenAiToken}}" },
                          "model": { "provider": "openai", "name": "gpt-4" }
                        }
                        """)),
                }),
                Json(aiProxy)),
            keyAuth => Assert.Equal(
                Json(new Plugin
                {
                    Id = keyAuth.Id,
                    CreatedAt = Start,
                    UpdatedAt = Start,
                    Name = "key-auth",
                    Service = new EntityRef(service.Id),
                    Config = Object("""
                        {
                          "key_names": ["apikey"], "hide_credentials": false, "anonymous": null, "key_in_header": true,
                          "key_in_query": true, "key_in_body": false, "run_on_preflight": true, "realm": null
                        }
                        """),
                }),
                Json(keyAuth)));
    }

    [Fact]
    public void A_json_file_reads_like_the_same_yaml()
    {
        var json = """
            {
              "_format_version": "3.0",
              "services": [{
                "name": "example-service", "host": "httpbin.konghq.com", "path": "/anything", "port": 8080, "tls_verify": true,
                "routes": [{ "name": "chat-route", "paths": ["/chat"], "methods": ["POST"], "strip_path": false }]
              }],
              "consumers": [{ "username": "kong-air", "keyauth_credentials": [{ "key": "${{ env \"DECK_KONG_AIR_KEY\" }}" }] }]
            }
            """;

        var config = ParseValid(json);

        var service = Assert.Single(config.Services);
        Assert.Equal(
            Json(new Service { Id = service.Id, CreatedAt = Start, UpdatedAt = Start, Name = "example-service", Host = "httpbin.konghq.com", Port = 8080, Path = "/anything", TlsVerify = true }),
            Json(service));
        var route = Assert.Single(config.Routes);
        Assert.Equal(
            Json(new Route { Id = route.Id, CreatedAt = Start, UpdatedAt = Start, Name = "chat-route", Paths = ["/chat"], Methods = ["POST"], StripPath = false, Service = new EntityRef(service.Id) }),
            Json(route));
        Assert.Equal(KeyAuthKeys.Hash(KongAirKey), Assert.Single(config.KeyAuthCredentials).KeyHash);
    }

    [Fact]
    public void Plugin_config_keeps_the_yaml_types_as_json()
    {
        // A plugin no schema knows, so that the config is exactly what the file says.
        var reader = new DeclarativeReader(name => name == "DECK_PORT" ? "8443" : null);
        reader.Read("""
            _format_version: "3.0"
            plugins:
              - name: custom
                config:
                  max_tokens: 8192
                  quoted_number: "8192"
                  tagged_number: !!str 8192
                  price: 0.00002
                  short_float: .5
                  hex: 0x1F
                  octal: 0o17
                  logging: true
                  quoted_bool: 'true'
                  yes_is_a_string: yes
                  nothing: null
                  tilde: ~
                  empty:
                  literal: |
                    two
                    lines
                  list: [1, two, 3.0]
                  nested: { a: { b: [] } }
                  port_from_env: ${{ env "DECK_PORT" }}
                  quoted_port_from_env: '${{ env "DECK_PORT" }}'
                  text_around_env: port ${{env "DECK_PORT"}}
            """);

        Assert.Empty(reader.Errors);
        Assert.Equal(
            Object("""
                {
                  "max_tokens": 8192, "quoted_number": "8192", "tagged_number": "8192", "price": 0.00002, "short_float": 0.5,
                  "hex": 31, "octal": 15, "logging": true, "quoted_bool": "true", "yes_is_a_string": "yes", "nothing": null,
                  "tilde": null, "empty": null, "literal": "two\nlines\n", "list": [1, "two", 3.0], "nested": { "a": { "b": [] } },
                  "port_from_env": 8443, "quoted_port_from_env": "8443", "text_around_env": "port 8443"
                }
                """).ToJsonString(),
            Assert.Single(reader.Plugins).Value.Config.ToJsonString());
    }

    [Fact]
    public void A_whole_value_substitution_in_plugin_config_can_be_a_number()
    {
        var config = ParseValid(
            """
            _format_version: "3.0"
            plugins:
              - name: ai-proxy
                config:
                  route_type: llm/v1/chat
                  max_request_body_size: ${{ env "DECK_MAX_BODY" }}
                  model: { provider: openai, name: gpt-4 }
            """,
            environment: new Dictionary<string, string> { ["DECK_MAX_BODY"] = "16384" });

        var expected = PluginSchemas.WithDefaults("ai-proxy", Object("""
            { "route_type": "llm/v1/chat", "max_request_body_size": 16384, "model": { "provider": "openai", "name": "gpt-4" } }
            """));
        Assert.Equal(expected.ToJsonString(), Assert.Single(config.Plugins).Config.ToJsonString());
    }

    [Theory]
    [InlineData("http://httpbin.konghq.com/anything", "http", "httpbin.konghq.com", 80, "/anything")]
    [InlineData("https://api.openai.com", "https", "api.openai.com", 443, null)]
    [InlineData("http://10.0.0.5:8080/", "http", "10.0.0.5", 8080, "/")]
    [InlineData("https://[::1]:9443/v1/chat", "https", "[::1]", 9443, "/v1/chat")]
    public void The_url_shorthand_sets_protocol_host_port_and_path(string url, string protocol, string host, int port, string? path)
    {
        var config = ParseValid($"""
            _format_version: "3.0"
            services:
              - name: upstream
                url: {url}
            """);

        var service = Assert.Single(config.Services);
        Assert.Equal((protocol, host, port, path), (service.Protocol, service.Host, service.Port, service.Path));
    }

    [Fact]
    public void Top_level_routes_and_plugins_reference_entities_by_name_or_id()
    {
        var yaml = """
            _format_version: "3.0"
            services:
              - name: billing
                id: 0d6f7c55-6a43-4c53-9d06-5c0b0c3a0a11
                host: billing.internal
            routes:
              - name: invoices
                service: billing
                paths: [/invoices]
              - name: payments
                service: { id: 0d6f7c55-6a43-4c53-9d06-5c0b0c3a0a11 }
                hosts: [pay.example.com]
            consumers:
              - username: kong-air
                custom_id: air-001
            plugins:
              - name: key-auth
                route: invoices
                consumer: air-001
              - name: key-auth
                service: { name: billing }
            """;

        var config = ParseValid(yaml);

        var billing = new EntityRef(Guid.Parse("0d6f7c55-6a43-4c53-9d06-5c0b0c3a0a11"));
        Assert.Equal(new (string?, EntityRef?)[] { ("invoices", billing), ("payments", billing) }, config.Routes.Select(r => (r.Name, r.Service)));
        var invoices = new EntityRef(config.Routes[0].Id);
        var consumer = new EntityRef(config.Consumers[0].Id);
        Assert.Equal(
            new (EntityRef?, EntityRef?, EntityRef?)[] { (null, invoices, consumer), (billing, null, null) },
            config.Plugins.Select(p => (p.Service, p.Route, p.Consumer)));
    }

    [Fact]
    public void Group_membership_is_read_from_the_group_and_from_the_consumer()
    {
        var yaml = """
            _format_version: "3.0"
            consumers:
              - username: kong-air
                groups:
                  - name: premium
              - username: lufthansa
              - custom_id: anonymous-42
            consumer_groups:
              - name: premium
                tags: [paying]
                consumers:
                  - username: lufthansa
                  - custom_id: anonymous-42
                  - username: kong-air
            """;

        var config = ParseValid(yaml);

        var group = Assert.Single(config.ConsumerGroups);
        Assert.Equal(
            Json(new ConsumerGroup
            {
                Id = group.Id,
                CreatedAt = Start,
                UpdatedAt = Start,
                Name = "premium",
                Tags = ["paying"],
                Consumers = [.. config.Consumers.Select(c => c.Id)],
            }),
            Json(group));
        Assert.Equal(["kong-air", "lufthansa", null], config.Consumers.Select(c => c.Username));
    }

    [Fact]
    public void A_key_written_as_its_hash_is_kept_as_the_hash_and_a_missing_key_is_generated()
    {
        var hash = KeyAuthKeys.Hash("an-older-key");
        var config = ParseValid($"""
            _format_version: "3.0"
            consumers:
              - username: kong-air
                keyauth_credentials:
                  - key: {hash}
                  - tags: [generated]
            """);

        var consumer = new EntityRef(Assert.Single(config.Consumers).Id);
        var fromHash = Assert.Single(config.KeyAuthCredentials, k => k.KeyHash == hash);
        Assert.Equal(
            Json(new KeyAuthCredential { Id = fromHash.Id, CreatedAt = Start, Consumer = consumer, KeyHash = hash, KeyHint = "…" }),
            Json(fromHash));
        var generated = Assert.Single(config.KeyAuthCredentials, k => k.KeyHash != hash);
        Assert.True(KeyAuthKeys.IsHash(generated.KeyHash));
        Assert.Equal((5, '…'), (generated.KeyHint.Length, generated.KeyHint[^1]));
        Assert.Equal(["generated"], generated.Tags!);
    }

    [Fact]
    public void Fields_left_out_take_kongs_defaults_and_decks_bookkeeping_keys_are_ignored()
    {
        var config = ParseValid("""
            _format_version: "3.0"
            _transform: true
            _info:
              select_tags: [seed]
            _konnect:
              control_plane_name: default
            _workspace: default
            services:
              - host: example.com
                routes:
                  - paths: [/]
            """);

        var service = Assert.Single(config.Services);
        Assert.Equal(
            (null, "http", 80, null, 5, 60_000, 60_000, 60_000, true, null),
            (service.Name, service.Protocol, service.Port, service.Path, service.Retries, service.ConnectTimeout, service.ReadTimeout, service.WriteTimeout, service.Enabled, service.TlsVerify));
        var route = Assert.Single(config.Routes);
        Assert.Equal(["http", "https"], route.Protocols);
        Assert.Equal(
            (426, 0, true, "v0", false, true, true),
            (route.HttpsRedirectStatusCode, route.RegexPriority, route.StripPath, route.PathHandling, route.PreserveHost, route.RequestBuffering, route.ResponseBuffering));
    }

    [Fact]
    public void A_byte_order_mark_and_windows_line_endings_are_read()
    {
        var config = ParseValid("\uFEFF_format_version: \"3.0\"\r\nservices:\r\n  - name: example-service\r\n    host: httpbin.konghq.com\r\n");

        Assert.Equal(("example-service", "httpbin.konghq.com"), (config.Services[0].Name, config.Services[0].Host));
    }

    private static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();
}
