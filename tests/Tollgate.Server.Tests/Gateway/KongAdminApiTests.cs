using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Gateway;

/// <summary>The Kong Admin API subset: shapes, status codes, validation and atomicity, as a Kong user meets them.</summary>
public abstract class KongAdminApiTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_service_is_created_from_a_url_read_updated_listed_and_deleted()
    {
        await using var server = await store.StartAsync();
        var created = await Send(server, HttpMethod.Post, "/services", """{"name":"example-service","url":"http://httpbin.konghq.com/anything"}""", HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("http", created.GetProperty("protocol").GetString());
        Assert.Equal("httpbin.konghq.com", created.GetProperty("host").GetString());
        Assert.Equal(80, created.GetProperty("port").GetInt32());
        Assert.Equal("/anything", created.GetProperty("path").GetString());
        Assert.Equal(60000, created.GetProperty("read_timeout").GetInt32());
        Assert.Equal(5, created.GetProperty("retries").GetInt32());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("tags").ValueKind);

        var byName = await Send(server, HttpMethod.Get, "/services/example-service", null, HttpStatusCode.OK);
        Assert.Equal(id, byName.GetProperty("id").GetGuid());
        var patched = await Send(server, HttpMethod.Patch, $"/services/{id}", """{"read_timeout":1000,"tags":["ai"]}""", HttpStatusCode.OK);
        Assert.Equal(1000, patched.GetProperty("read_timeout").GetInt32());
        Assert.Equal("httpbin.konghq.com", patched.GetProperty("host").GetString());
        Assert.Equal("""["ai"]""", patched.GetProperty("tags").GetRawText());

        var list = await Send(server, HttpMethod.Get, "/services?tags=ai", null, HttpStatusCode.OK);
        Assert.Equal(1, list.GetProperty("data").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("next").ValueKind);

        await Send(server, HttpMethod.Delete, "/services/example-service", null, HttpStatusCode.NoContent);
        var missing = await Send(server, HttpMethod.Get, "/services/example-service", null, HttpStatusCode.NotFound);
        Assert.Equal("""{"message":"Not found"}""", missing.GetRawText());
    }

    [Fact]
    public async Task A_form_post_as_in_Kongs_curl_examples_creates_the_same_entities()
    {
        await using var server = await store.StartAsync();
        using var form = new FormUrlEncodedContent([new("name", "example-service"), new("url", "http://example.test:8080/v1")]);
        using var response = await server.Admin.PostAsync("/services", form, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var routeForm = new FormUrlEncodedContent([new("name", "chat"), new("paths[]", "/chat"), new("methods", "POST"), new("strip_path", "false")]);
        using var route = await server.Admin.PostAsync("/services/example-service/routes", routeForm, Ct);
        var body = JsonDocument.Parse(await route.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(HttpStatusCode.Created, route.StatusCode);
        Assert.Equal("""["/chat"]""", body.GetProperty("paths").GetRawText());
        Assert.Equal("""["POST"]""", body.GetProperty("methods").GetRawText());
        Assert.False(body.GetProperty("strip_path").GetBoolean());
    }

    [Fact]
    public async Task Duplicates_conflict_and_bad_fields_are_schema_violations_that_change_nothing()
    {
        await using var server = await store.StartAsync();
        await Send(server, HttpMethod.Post, "/services", """{"name":"llm","url":"http://127.0.0.1:9/"}""", HttpStatusCode.Created);
        var version = await server.CountAsync("SELECT version FROM gateway_config");

        var duplicate = await Send(server, HttpMethod.Post, "/services", """{"name":"llm","url":"http://127.0.0.1:10/"}""", HttpStatusCode.Conflict);
        Assert.Equal(5, duplicate.GetProperty("code").GetInt32());
        Assert.Equal("unique constraint violation", duplicate.GetProperty("name").GetString());

        var noPaths = await Send(server, HttpMethod.Post, "/services/llm/routes", """{"name":"nothing"}""", HttpStatusCode.BadRequest);
        Assert.Equal(2, noPaths.GetProperty("code").GetInt32());
        Assert.Equal("must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http' or 'https'", noPaths.GetProperty("fields").GetProperty("paths").GetString());

        var badRegex = await Send(server, HttpMethod.Post, "/services/llm/routes", """{"paths":["~/chat/(unclosed"]}""", HttpStatusCode.BadRequest);
        Assert.StartsWith("invalid regex: '/chat/(unclosed'", badRegex.GetProperty("fields").GetProperty("paths[0]").GetString(), StringComparison.Ordinal);

        var badPort = await Send(server, HttpMethod.Post, "/services", """{"name":"x","host":"example.test","port":"abc","colour":"red"}""", HttpStatusCode.BadRequest);
        Assert.Equal("expected an integer", badPort.GetProperty("fields").GetProperty("port").GetString());
        Assert.Equal("unknown field", badPort.GetProperty("fields").GetProperty("colour").GetString());

        var badPlugin = await Send(server, HttpMethod.Post, "/plugins", """{"name":"rate-limiting","config":{"minute":5}}""", HttpStatusCode.BadRequest);
        Assert.Equal("plugin 'rate-limiting' is not supported by Tollgate (supported: key-auth, ai-proxy, entitlement)", badPlugin.GetProperty("fields").GetProperty("name").GetString());
        var badConfig = await Send(server, HttpMethod.Post, "/plugins", """{"name":"key-auth","config":{"key_names":[],"hide":true}}""", HttpStatusCode.BadRequest);
        Assert.Equal("unknown field", badConfig.GetProperty("fields").GetProperty("config").GetProperty("hide").GetString());
        Assert.Equal("expected a non-empty array of header names (letters, digits, '-' and '_')", badConfig.GetProperty("fields").GetProperty("config").GetProperty("key_names").GetString());

        var inBody = await Send(server, HttpMethod.Post, "/plugins", """{"name":"key-auth","config":{"key_in_body":true}}""", HttpStatusCode.BadRequest);
        Assert.Equal("keys in the request body are not supported by Tollgate; send the key in a header or the query string", inBody.GetProperty("fields").GetProperty("config").GetProperty("key_in_body").GetString());

        var unknownService = await Send(server, HttpMethod.Post, "/routes", """{"paths":["/x"],"service":{"name":"nope"}}""", HttpStatusCode.BadRequest);
        Assert.Equal("the entity 'nope' does not exist", unknownService.GetProperty("fields").GetProperty("service").GetString());

        Assert.Equal(version, await server.CountAsync("SELECT version FROM gateway_config"));
        Assert.Equal(1, await server.CountAsync("SELECT COUNT(*) FROM gateway_entities"));
    }

    [Fact]
    public async Task A_service_with_routes_cannot_be_deleted_and_a_route_takes_its_plugins_with_it()
    {
        await using var server = await store.StartAsync();
        await Send(server, HttpMethod.Post, "/services", """{"name":"llm","url":"http://127.0.0.1:9/"}""", HttpStatusCode.Created);
        await Send(server, HttpMethod.Post, "/services/llm/routes", """{"name":"chat","paths":["/chat"]}""", HttpStatusCode.Created);
        var plugin = await Send(server, HttpMethod.Post, "/routes/chat/plugins", """{"name":"key-auth"}""", HttpStatusCode.Created);
        Assert.Equal("""["apikey"]""", plugin.GetProperty("config").GetProperty("key_names").GetRawText());
        Assert.False(plugin.GetProperty("config").GetProperty("hide_credentials").GetBoolean());
        Assert.Equal(JsonValueKind.Null, plugin.GetProperty("service").ValueKind);

        var refused = await Send(server, HttpMethod.Delete, "/services/llm", null, HttpStatusCode.BadRequest);
        Assert.Equal(4, refused.GetProperty("code").GetInt32());
        Assert.Equal("an existing 'routes' entity references this 'services' entity", refused.GetProperty("message").GetString());

        await Send(server, HttpMethod.Delete, "/routes/chat", null, HttpStatusCode.NoContent);
        Assert.Equal(0, (await Send(server, HttpMethod.Get, "/plugins", null, HttpStatusCode.OK)).GetProperty("data").GetArrayLength());
        await Send(server, HttpMethod.Delete, "/services/llm", null, HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_consumer_key_is_shown_once_and_stored_only_as_a_hash()
    {
        await using var server = await store.StartAsync();
        var consumer = await Send(server, HttpMethod.Post, "/consumers", """{"username":"kong-air","custom_id":"air-1"}""", HttpStatusCode.Created);
        var created = await Send(server, HttpMethod.Post, "/consumers/kong-air/key-auth", """{"key":"kong-air-secret-key"}""", HttpStatusCode.Created);
        Assert.Equal("kong-air-secret-key", created.GetProperty("key").GetString());
        Assert.Equal(consumer.GetProperty("id").GetGuid(), created.GetProperty("consumer").GetProperty("id").GetGuid());

        var listed = await Send(server, HttpMethod.Get, "/consumers/kong-air/key-auth", null, HttpStatusCode.OK);
        Assert.Equal("kong…", listed.GetProperty("data")[0].GetProperty("key").GetString());
        var generated = await Send(server, HttpMethod.Post, "/consumers/air-1/key-auth", "{}", HttpStatusCode.Created);
        Assert.Equal(32, generated.GetProperty("key").GetString()!.Length);

        Assert.Equal(0, await server.CountAsync("SELECT COUNT(*) FROM gateway_entities WHERE body LIKE @key", ("key", "%kong-air-secret-key%")));
        Assert.Equal(2, await server.CountAsync("SELECT COUNT(*) FROM gateway_entities WHERE kind = 'keyauth_credential' AND body LIKE @hash", ("hash", "%\"key_hash\":\"sha256:%")));

        var clash = await Send(server, HttpMethod.Post, "/consumers/air-1/key-auth", """{"key":"kong-air-secret-key"}""", HttpStatusCode.Conflict);
        Assert.Equal(5, clash.GetProperty("code").GetInt32());

        // Deleting the consumer (found here by its custom_id) takes its credentials with it.
        await Send(server, HttpMethod.Delete, "/consumers/air-1", null, HttpStatusCode.NoContent);
        Assert.Equal(0, (await Send(server, HttpMethod.Get, "/key-auths", null, HttpStatusCode.OK)).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Consumer_groups_hold_members_by_name_or_id()
    {
        await using var server = await store.StartAsync();
        var air = await Send(server, HttpMethod.Post, "/consumers", """{"username":"kong-air"}""", HttpStatusCode.Created);
        await Send(server, HttpMethod.Post, "/consumers", """{"username":"kong-sea"}""", HttpStatusCode.Created);
        await Send(server, HttpMethod.Post, "/consumer_groups", """{"name":"premium"}""", HttpStatusCode.Created);
        await Send(server, HttpMethod.Post, "/consumer_groups/premium/consumers", $$"""{"consumer":["{{air.GetProperty("id").GetGuid()}}","kong-sea"]}""", HttpStatusCode.Created);
        var group = await Send(server, HttpMethod.Get, "/consumer_groups/premium", null, HttpStatusCode.OK);
        Assert.Equal("premium", group.GetProperty("consumer_group").GetProperty("name").GetString());
        Assert.Equal(["kong-air", "kong-sea"], group.GetProperty("consumers").EnumerateArray().Select(c => c.GetProperty("username").GetString()).Order());

        await Send(server, HttpMethod.Delete, "/consumer_groups/premium/consumers/kong-air", null, HttpStatusCode.NoContent);
        var members = await Send(server, HttpMethod.Get, "/consumer_groups/premium/consumers", null, HttpStatusCode.OK);
        Assert.Equal("kong-sea", members.GetProperty("data")[0].GetProperty("username").GetString());
        Assert.Equal(1, members.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Put_creates_or_replaces_by_name()
    {
        await using var server = await store.StartAsync();
        var created = await Send(server, HttpMethod.Put, "/consumers/kong-air", """{"custom_id":"a"}""", HttpStatusCode.OK);
        Assert.Equal("kong-air", created.GetProperty("username").GetString());
        var replaced = await Send(server, HttpMethod.Put, "/consumers/kong-air", """{"username":"kong-air","tags":["x"]}""", HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("id").GetGuid(), replaced.GetProperty("id").GetGuid());
        Assert.Equal(JsonValueKind.Null, replaced.GetProperty("custom_id").ValueKind);

        // Replacing by name with a body that leaves the name out keeps the name of the path (it used to become null).
        var again = await Send(server, HttpMethod.Put, "/consumers/kong-air", """{"custom_id":"b"}""", HttpStatusCode.OK);
        Assert.Equal("kong-air", again.GetProperty("username").GetString());
        Assert.Equal(created.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
        var service = await Send(server, HttpMethod.Put, "/services/example-service", """{"url":"http://127.0.0.1:9/v1"}""", HttpStatusCode.OK);
        var replacedService = await Send(server, HttpMethod.Put, "/services/example-service", """{"url":"http://127.0.0.1:9/v2"}""", HttpStatusCode.OK);
        Assert.Equal("example-service", replacedService.GetProperty("name").GetString());
        Assert.Equal(service.GetProperty("id").GetGuid(), replacedService.GetProperty("id").GetGuid());
        Assert.Equal("/v2", replacedService.GetProperty("path").GetString());
    }

    private static async Task<JsonElement> Send(TollgateServer server, HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await server.Admin.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(expected == response.StatusCode, $"{method} {path} answered {(int)response.StatusCode}, expected {(int)expected}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }
}

public sealed class KongAdminApiTestsOnSqlite() : KongAdminApiTests(TestStore.Sqlite);

public sealed class KongAdminApiTestsOnPostgres() : KongAdminApiTests(TestStore.Postgres);
