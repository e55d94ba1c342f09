using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Tollgate.Bench.Gateway;

/// <summary>
/// The seed's gateway configuration on a running server, through the Kong Admin API on its admin port: service
/// <c>bench</c>, route <c>chat</c> on <c>/chat</c>, key-auth, ai-proxy (OpenAI, gpt-4) to the bench upstream,
/// consumer <c>kong-air</c> with key <c>bench-key</c>; plus the built-in token meter, so metering is on.
/// </summary>
internal static class TollgateSetup
{
    public const string ApiKey = "bench-key";
    public const string Consumer = "kong-air";
    public const string MeterSlug = "kong_konnect_llm_tokens";

    public static async Task ConfigureAsync(Uri adminUrl, int upstreamPort, CancellationToken cancellationToken)
    {
        using var client = Http.CreateClient(1);
        var upstream = $"http://127.0.0.1:{upstreamPort.ToString(CultureInfo.InvariantCulture)}";
        await PostAsync(client, adminUrl, "api/v1/builtin-meters/" + MeterSlug, "{}", cancellationToken);
        await PostAsync(client, adminUrl, "services", $$"""{"name":"bench","url":"{{upstream}}"}""", cancellationToken);
        await PostAsync(client, adminUrl, "services/bench/routes", """{"name":"chat","paths":["/chat"]}""", cancellationToken);
        await PostAsync(client, adminUrl, "routes/chat/plugins", """{"name":"key-auth"}""", cancellationToken);
        await PostAsync(client, adminUrl, "routes/chat/plugins", $$"""
            {"name":"ai-proxy","config":{"route_type":"llm/v1/chat","auth":{"header_name":"Authorization","header_value":"Bearer x"},
             "model":{"provider":"openai","name":"gpt-4","options":{"upstream_url":"{{upstream}}/v1/chat/completions"} } } }
            """, cancellationToken);
        await PostAsync(client, adminUrl, "consumers", $$"""{"username":"{{Consumer}}"}""", cancellationToken);
        await PostAsync(client, adminUrl, $"consumers/{Consumer}/key-auth", $$"""{"key":"{{ApiKey}}"}""", cancellationToken);
    }

    /// <summary>
    /// The proxy listener's address. <see cref="ServerProcess"/> picks it but does not expose it, so it is found from
    /// the server's listening sockets (<c>/proc</c>): the one that answers an unknown path with Kong's
    /// <c>no Route matched</c> 404.
    /// </summary>
    public static async Task<Uri> FindProxyUrlAsync(ServerProcess server, CancellationToken cancellationToken)
    {
        using var client = Http.CreateClient(1);
        client.Timeout = TimeSpan.FromSeconds(5);
        foreach (var port in ListeningPorts(server.Id).Where(p => p != server.AdminUrl.Port))
        {
            var url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            try
            {
                using var response = await client.GetAsync(new Uri(url, "tollgate-bench-probe"), cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.NotFound && body.Contains("no Route matched", StringComparison.Ordinal))
                {
                    return url;
                }
            }
            catch (HttpRequestException)
            {
                // Not an HTTP listener of ours.
            }
        }

        throw new InvalidOperationException("could not find the server's proxy listener among its listening sockets (needs Linux /proc)");
    }

    /// <summary>The sum of the token meter over all time (every value of an ungrouped query).</summary>
    public static async Task<decimal> MeteredTokensAsync(Uri adminUrl, CancellationToken cancellationToken)
    {
        using var client = Http.CreateClient(1);
        using var response = await client.GetAsync(new Uri(adminUrl, $"api/v1/meters/{MeterSlug}/query"), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the meter query answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("data").EnumerateArray().Sum(row => row.GetProperty("value").GetDecimal());
    }

    private static async Task PostAsync(HttpClient client, Uri adminUrl, string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(adminUrl, path), content, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            throw new InvalidOperationException($"POST /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>Ports of the IPv4 TCP sockets in LISTEN state that process <paramref name="processId"/> holds.</summary>
    private static List<int> ListeningPorts(int processId)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        var ports = new List<int>();

        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 9 && fields[3] == "0A" && inodes.Contains(fields[9]))
            {
                ports.Add(int.Parse(fields[1][(fields[1].IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return ports;
    }
}
