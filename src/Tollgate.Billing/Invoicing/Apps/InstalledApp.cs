using System.Text.Json.Serialization;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>
/// An app installed from the marketplace (OpenMeter's <c>App</c>, by <see cref="Type"/>): the sandbox exists from the
/// first start; custom invoicing can be installed; Stripe is a later issue.
/// </summary>
public sealed record InstalledApp : IBillingDocument
{
    public static readonly DocumentKind<InstalledApp> Kind = new("app", AppJson.Default.InstalledApp);

    public required string Id { get; init; }

    /// <summary><c>sandbox</c>, <c>custom_invoicing</c> or <c>stripe</c>.</summary>
    public required string Type { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary><c>ready</c> or <c>unauthorized</c>.</summary>
    public string Status { get; init; } = "ready";

    /// <summary>Custom invoicing: drafts wait for <c>/draft/synchronized</c>.</summary>
    public bool? EnableDraftSyncHook { get; init; }

    /// <summary>Custom invoicing: issuing waits for <c>/issuing/synchronized</c>.</summary>
    public bool? EnableIssuingSyncHook { get; init; }

    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;
}
