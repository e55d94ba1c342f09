using Tollgate.Gateway.Entities;
using static Tollgate.Gateway.Tests.Declarative.DeclarativeFixtures;

namespace Tollgate.Gateway.Tests.Declarative;

public sealed class DeclarativeErrorTests
{
    [Fact]
    public void A_missing_environment_variable_is_named_with_the_field_that_uses_it()
    {
        var result = Parse(Seed, environment: new Dictionary<string, string> { ["DECK_KONG_AIR_KEY"] = KongAirKey });

        Assert.Null(result.Config);
        Assert.Equal(
            [new ConfigError("plugin 'ai-proxy' on route 'chat-route'", "config.auth.header_value", "environment variable DECK_OPENAI_TOKEN is not set")],
            result.Errors);
    }

    [Fact]
    public void A_value_missing_for_want_of_a_variable_brings_no_second_error_about_its_field()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                host: ${{ env "DECK_UPSTREAM_HOST" }}
                routes:
                  - name: chat-route
                    paths: ['${{ env "DECK_CHAT_PATH" }}']
            """);

        Assert.Equal(
            [
                new ConfigError("service 'example-service'", "host", "environment variable DECK_UPSTREAM_HOST is not set"),
                new ConfigError("route 'chat-route'", "paths[0]", "environment variable DECK_CHAT_PATH is not set"),
            ],
            result.Errors);
    }

    [Fact]
    public void Only_variables_named_DECK_something_are_substituted()
    {
        var result = Parse("""
            _format_version: "3.0"
            consumers:
              - username: kong-air
                keyauth_credentials:
                  - key: ${{ env "HOME" }}
            """);

        Assert.Equal(
            [new ConfigError("consumer 'kong-air'", "keyauth_credentials[0].key", "environment variable HOME cannot be read: only variables whose names start with DECK_ are substituted")],
            result.Errors);
    }

    [Fact]
    public void An_unknown_field_names_the_entity_and_the_field()
    {
        var result = Parse(Seed.Replace("        methods:", "        strip_paths: false\n        methods:", StringComparison.Ordinal));

        Assert.Null(result.Config);
        Assert.Equal([new ConfigError("route 'chat-route'", "strip_paths", "unknown field (did you mean 'strip_path'?)")], result.Errors);
    }

    [Fact]
    public void A_route_naming_a_service_the_file_does_not_declare_is_refused()
    {
        var result = Parse("""
            _format_version: "3.0"
            routes:
              - name: invoices
                service: billing
                paths: [/invoices]
            """);

        Assert.Null(result.Config);
        Assert.Equal([new ConfigError("route 'invoices'", "service", "service 'billing' is not declared in this file")], result.Errors);
    }

    [Fact]
    public void Two_services_with_one_name_are_refused()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                host: a.example.com
              - name: example-service
                host: b.example.com
            """);

        Assert.Null(result.Config);
        Assert.Equal(
            [new ConfigError("service 'example-service'", "name", "UNIQUE violation detected on '{name=\"example-service\"}': another service has this name")],
            result.Errors);
    }

    [Theory]
    [InlineData("_format_version: \"1.1\"", "unsupported format version '1.1': Tollgate reads decK's format \"3.0\"")]
    [InlineData("_format_version: 2.1", "unsupported format version the number 2.1: Tollgate reads decK's format \"3.0\"")]
    [InlineData("services: []", "required field missing (Tollgate reads decK's format \"3.0\")")]
    public void The_format_version_must_be_3_0(string text, string message)
    {
        var result = Parse(text);

        Assert.Null(result.Config);
        Assert.Equal([new ConfigError("declarative config", "_format_version", message)], result.Errors);
    }

    [Fact]
    public void A_yaml_syntax_error_gives_its_line_and_column()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                 host: httpbin.konghq.com
            """);

        Assert.Null(result.Config);
        Assert.Equal(
            [new ConfigError("declarative config", string.Empty, "invalid YAML at line 4, column 10: While scanning a plain scalar value, found invalid mapping.")],
            result.Errors);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_refused()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                host: httpbin.konghq.com
                port: abc
                enabled: "yes"
                tags: ai
            """);

        Assert.Null(result.Config);
        Assert.Equal(
            [
                new ConfigError("service 'example-service'", "port", "expected an integer, not 'abc'"),
                new ConfigError("service 'example-service'", "tags", "expected a list of strings, not 'ai'"),
                new ConfigError("service 'example-service'", "enabled", "expected a boolean (true or false), not 'yes'"),
            ],
            result.Errors);
    }

    [Fact]
    public void Every_problem_in_the_file_is_reported_at_once()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                url: http://httpbin.konghq.com/anything
                routes:
                  - name: chat-route
                    paths: [chat]
              - host: unnamed.example.com
                retries: many
            consumers:
              - username: kong-air
                keyauth_credentials:
                  - key: kong-air-secret-key
                    ttl: soon
                groups:
                  - name: premium
            upstreams: []
            """);

        Assert.Null(result.Config);
        Assert.Equal(
            [
                new ConfigError("services[1]", "retries", "expected an integer, not 'many'"),
                new ConfigError("consumer 'kong-air'", "keyauth_credentials[0].ttl", "expected an integer, not 'soon'"),
                new ConfigError("declarative config", "upstreams", "unknown top-level key (Tollgate reads _format_version, services, routes, consumers, consumer_groups and plugins)"),
                new ConfigError("consumer 'kong-air'", "groups[0].name", "consumer group 'premium' is not declared in this file"),
                new ConfigError("route 'chat-route'", "paths[0]", "should start with: / (fixed path) or ~/ (regex path)"),
            ],
            result.Errors);
    }

    [Fact]
    public void Plugin_config_errors_say_which_of_two_same_named_plugins_is_wrong()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                host: httpbin.konghq.com
                routes:
                  - name: chat
                    paths: [/chat]
                    plugins:
                      - name: key-auth
                        config: { key_names: 5 }
                  - name: embeddings
                    paths: [/embeddings]
                    plugins:
                      - name: key-auth
                        config: { key_in_body: "no" }
            """);

        var keyNames = Assert.Single(PluginSchemas.Check(new Plugin { Id = Guid.Empty, Name = "key-auth", Config = new() { ["key_names"] = 5 } }));
        var keyInBody = Assert.Single(PluginSchemas.Check(new Plugin { Id = Guid.Empty, Name = "key-auth", Config = new() { ["key_in_body"] = "no" } }));
        Assert.Equal(
            [
                new ConfigError("plugin 'key-auth' on route 'chat'", keyNames.Field, keyNames.Message),
                new ConfigError("plugin 'key-auth' on route 'embeddings'", keyInBody.Field, keyInBody.Message),
            ],
            result.Errors);
    }

    [Fact]
    public void A_plugin_scoped_to_an_entity_the_file_does_not_declare_is_refused()
    {
        var result = Parse("""
            _format_version: "3.0"
            plugins:
              - name: key-auth
                consumer: nobody
            """);

        Assert.Equal([new ConfigError("plugin 'key-auth' on consumer 'nobody'", "consumer", "consumer 'nobody' is not declared in this file")], result.Errors);
    }

    [Fact]
    public void Setting_both_url_and_host_is_refused()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                url: http://httpbin.konghq.com/anything
                host: httpbin.konghq.com
            """);

        Assert.Equal([new ConfigError("service 'example-service'", "url", "set either url or protocol, host, port and path, not both")], result.Errors);
    }

    [Fact]
    public void An_alias_inside_itself_is_refused_before_it_is_followed()
    {
        var result = Parse("""
            _format_version: "3.0"
            plugins:
              - &loop
                name: key-auth
                config: { key_names: [*loop] }
            """);

        Assert.Equal([new ConfigError("declarative config", string.Empty, "line 5, column 27: the alias *loop refers to a node that contains it")], result.Errors);
    }

    [Fact]
    public void A_merge_key_is_refused_with_a_reason()
    {
        var result = Parse("""
            _format_version: "3.0"
            services:
              - name: example-service
                <<: { host: httpbin.konghq.com }
            """);

        Assert.Equal(
            [
                new ConfigError("service 'example-service'", "<<", "YAML merge keys (<<) are not supported: write the fields out"),
                new ConfigError("service 'example-service'", "host", "required field missing"),
            ],
            result.Errors);
    }

    [Fact]
    public void Aliases_that_expand_to_millions_of_nodes_are_refused()
    {
        var lines = new List<string> { "_format_version: \"3.0\"", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i <= 7; i++)
        {
            lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]");
        }

        var result = Parse(string.Join("\n", lines));

        var error = Assert.Single(result.Errors);
        Assert.Equal(("declarative config", string.Empty), (error.Entity, error.Field));
        Assert.EndsWith("aliases expand the document by more than a million nodes", error.Message, StringComparison.Ordinal);
    }
}
