using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Declarative;

/// <summary>How a reference in the file names its target.</summary>
internal enum ReferenceBy
{
    /// <summary>A plain string: an id, else a name (for consumers: a username, else a custom_id).</summary>
    IdOrName,
    Id,
    Name,
    Username,
    CustomId,
}

/// <summary>A reference as written in the file, and the field that holds it (for errors).</summary>
internal sealed record Reference(string Value, ReferenceBy By, string Field);

/// <summary>
/// An entity as read from the file, before ids are settled and references resolved: those need the whole file
/// (a route may name a service declared after it) and the existing config (whose ids are kept).
/// </summary>
internal abstract class Draft
{
    /// <summary>How errors name the entity: <c>service 'example-service'</c>, or its place (<c>services[2]</c>).</summary>
    public required string Description { get; init; }

    public Guid? ExplicitId { get; init; }

    /// <summary>The id it ends with: the file's, the matching existing entity's, or a new one.</summary>
    public Guid Id { get; set; }
}

internal sealed class ServiceDraft : Draft
{
    public required Service Value { get; init; }
}

internal sealed class RouteDraft : Draft
{
    public required Route Value { get; init; }

    /// <summary>The service the route is nested in, if it is.</summary>
    public ServiceDraft? Parent { get; init; }

    /// <summary>The <c>service</c> field of a top-level route.</summary>
    public Reference? ServiceReference { get; init; }
}

internal sealed class ConsumerDraft : Draft
{
    public required Consumer Value { get; init; }

    public List<CredentialDraft> Credentials { get; } = [];

    /// <summary>The <c>groups</c> the consumer says it belongs to.</summary>
    public List<Reference> Groups { get; } = [];
}

internal sealed class CredentialDraft
{
    /// <summary>Where the credential is within its consumer: <c>keyauth_credentials[0]</c>.</summary>
    public required string Field { get; init; }

    public Guid? ExplicitId { get; init; }

    /// <summary>The stored hash, from a plaintext key or written as one; null when the file gives no key.</summary>
    public string? KeyHash { get; init; }

    /// <summary>The hint of a plaintext key; null when the file gave a hash or no key.</summary>
    public string? KeyHint { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public int? Ttl { get; init; }
}

internal sealed class ConsumerGroupDraft : Draft
{
    public required ConsumerGroup Value { get; init; }

    /// <summary>The <c>consumers</c> the group lists as members.</summary>
    public List<Reference> Members { get; } = [];
}

/// <summary>One scope of a plugin: the entity it is nested in, or the one its field names.</summary>
internal sealed record ScopeTarget(Draft? Parent, Reference? Reference, string Kind)
{
    public string Describe() => Parent?.Description ?? $"{Kind} '{Reference!.Value}'";
}

internal sealed class PluginDraft : Draft
{
    public required Plugin Value { get; init; }

    /// <summary>Whether some config value could not be read, so the config is not what the file says.</summary>
    public bool ConfigUnreadable { get; init; }

    public ScopeTarget? Service { get; init; }

    public ScopeTarget? Route { get; init; }

    public ScopeTarget? Consumer { get; init; }

    public ScopeTarget? ConsumerGroup { get; init; }
}
