using System.Text.Json.Nodes;

namespace Tollgate.Gateway.Entities;

/// <summary>What every stored gateway entity has: an id and a creation time (Unix seconds).</summary>
public interface IGatewayEntity
{
    Guid Id { get; }

    long CreatedAt { get; }
}

/// <summary>A reference to another entity, as Kong writes it: <c>{"id": "..."}</c>.</summary>
public sealed record EntityRef(Guid Id);

/// <summary>An upstream the gateway forwards to (Kong's Service). Times are Unix seconds, as in Kong.</summary>
public sealed record Service : IGatewayEntity
{
    public required Guid Id { get; init; }

    public long CreatedAt { get; init; }

    public long UpdatedAt { get; init; }

    public string? Name { get; init; }

    public int Retries { get; init; } = 5;

    public string Protocol { get; init; } = "http";

    public required string Host { get; init; }

    public int Port { get; init; } = 80;

    public string? Path { get; init; }

    public int ConnectTimeout { get; init; } = 60_000;

    public int WriteTimeout { get; init; } = 60_000;

    public int ReadTimeout { get; init; } = 60_000;

    public IReadOnlyList<string>? Tags { get; init; }

    public bool Enabled { get; init; } = true;

    public bool? TlsVerify { get; init; }
}

/// <summary>How requests reach a service (Kong's Route).</summary>
public sealed record Route : IGatewayEntity
{
    public required Guid Id { get; init; }

    public long CreatedAt { get; init; }

    public long UpdatedAt { get; init; }

    public string? Name { get; init; }

    public IReadOnlyList<string> Protocols { get; init; } = ["http", "https"];

    public IReadOnlyList<string>? Methods { get; init; }

    public IReadOnlyList<string>? Hosts { get; init; }

    public IReadOnlyList<string>? Paths { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Headers { get; init; }

    public int HttpsRedirectStatusCode { get; init; } = 426;

    public int RegexPriority { get; init; }

    public bool StripPath { get; init; } = true;

    public string PathHandling { get; init; } = "v0";

    public bool PreserveHost { get; init; }

    public bool RequestBuffering { get; init; } = true;

    public bool ResponseBuffering { get; init; } = true;

    public IReadOnlyList<string>? Tags { get; init; }

    public EntityRef? Service { get; init; }
}

/// <summary>A client of the gateway (Kong's Consumer).</summary>
public sealed record Consumer : IGatewayEntity
{
    public required Guid Id { get; init; }

    public long CreatedAt { get; init; }

    public long UpdatedAt { get; init; }

    public string? Username { get; init; }

    public string? CustomId { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }
}

/// <summary>
/// A consumer's API key for the key-auth plugin. The key itself is never stored: <see cref="KeyHash"/> is its
/// SHA-256 and <see cref="KeyHint"/> its first characters, shown where Kong would show the key.
/// </summary>
public sealed record KeyAuthCredential : IGatewayEntity
{
    public required Guid Id { get; init; }

    public long CreatedAt { get; init; }

    public required EntityRef Consumer { get; init; }

    public required string KeyHash { get; init; }

    public required string KeyHint { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public int? Ttl { get; init; }
}

/// <summary>A named set of consumers (Kong's Consumer Group).</summary>
public sealed record ConsumerGroup : IGatewayEntity
{
    public required Guid Id { get; init; }

    public long CreatedAt { get; init; }

    public long UpdatedAt { get; init; }

    public required string Name { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>The members, by consumer id.</summary>
    public IReadOnlyList<Guid> Consumers { get; init; } = [];
}

/// <summary>A plugin instance, global or scoped to a service, route, consumer or consumer group.</summary>
public sealed record Plugin : IGatewayEntity
{
    public required Guid Id { get; init; }

    public long CreatedAt { get; init; }

    public long UpdatedAt { get; init; }

    public required string Name { get; init; }

    public string? InstanceName { get; init; }

    public JsonObject Config { get; init; } = [];

    public IReadOnlyList<string> Protocols { get; init; } = ["grpc", "grpcs", "http", "https"];

    public bool Enabled { get; init; } = true;

    public IReadOnlyList<string>? Tags { get; init; }

    public EntityRef? Service { get; init; }

    public EntityRef? Route { get; init; }

    public EntityRef? Consumer { get; init; }

    public EntityRef? ConsumerGroup { get; init; }
}
