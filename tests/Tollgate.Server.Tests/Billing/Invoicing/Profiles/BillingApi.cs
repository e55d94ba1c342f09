using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing.Invoicing.Profiles;

/// <summary>Calls and checks the profile, app and override tests share.</summary>
internal static class BillingApi
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<JsonElement> GetJsonAsync(TollgateServer server, string path)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync(path));
        return document.RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PutJsonAsync(TollgateServer server, string path, string json) =>
        server.Admin.PutAsync(path, new StringContent(json, Encoding.UTF8, MediaTypeHeaderValue.Parse("application/json")), Ct);

    /// <summary>The body of a response that must have <paramref name="status"/>.</summary>
    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
            if (body.Length == 0)
            {
                return default;
            }

            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
    }

    /// <summary>Asserts a problem+json 400 naming <paramref name="field"/>; returns the reason given for it.</summary>
    public static async Task<string> BadRequestAsync(HttpResponseMessage response, string field)
    {
        var contentType = response.Content.Headers.ContentType?.MediaType;
        var problem = await ExpectAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", contentType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var reasons), problem.GetRawText());
        return reasons[0].GetString()!;
    }

    /// <summary>Asserts a problem+json answer with <paramref name="status"/>; returns its detail.</summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var contentType = response.Content.Headers.ContentType?.MediaType;
        var problem = await ExpectAsync(response, status);
        Assert.Equal("application/problem+json", contentType);
        return problem.GetProperty("detail").GetString()!;
    }

    /// <summary>The default profile and the sandbox app a fresh store starts with.</summary>
    public static async Task<(string ProfileId, string SandboxId)> DefaultsAsync(TollgateServer server)
    {
        var profiles = await GetJsonAsync(server, "/api/v1/billing/profiles");
        var profile = Assert.Single(profiles.GetProperty("items").EnumerateArray());
        return (profile.GetProperty("id").GetString()!, profile.GetProperty("apps").GetProperty("invoicing").GetProperty("id").GetString()!);
    }

    public static async Task<string> CreateProfileAsync(TollgateServer server, string json)
    {
        var profile = await ExpectAsync(await server.PostJsonAsync("/api/v1/billing/profiles", json), HttpStatusCode.Created);
        return profile.GetProperty("id").GetString()!;
    }

    public static async Task<string> CreateCustomerAsync(TollgateServer server, string json)
    {
        var customer = await ExpectAsync(await server.PostJsonAsync("/api/v1/customers", json), HttpStatusCode.Created);
        return customer.GetProperty("id").GetString()!;
    }

    public static async Task<string> InstallAsync(TollgateServer server, string type, string json)
    {
        var installed = await ExpectAsync(await server.PostJsonAsync($"/api/v1/marketplace/listings/{type}/install", json), HttpStatusCode.OK);
        return installed.GetProperty("app").GetProperty("id").GetString()!;
    }
}
