namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>
/// An installed app as the API answers it (OpenMeter's <c>App</c>: <c>SandboxApp</c> or <c>CustomInvoicingApp</c> by
/// <see cref="Type"/>), with the listing it was installed from. The hook flags appear for custom invoicing only.
/// </summary>
public sealed record AppView
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required MarketplaceListing Listing { get; init; }

    public required string Status { get; init; }

    public bool? EnableDraftSyncHook { get; init; }

    public bool? EnableIssuingSyncHook { get; init; }

    public static AppView Of(InstalledApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var custom = app.Type == CustomInvoicingApp.AppType;
        return new AppView
        {
            Id = app.Id,
            Type = app.Type,
            Name = app.Name,
            Description = app.Description,
            Metadata = app.Metadata,
            CreatedAt = app.CreatedAt,
            UpdatedAt = app.UpdatedAt,
            DeletedAt = app.DeletedAt,
            Listing = Marketplace.Find(app.Type),
            Status = app.Status,
            EnableDraftSyncHook = custom ? app.EnableDraftSyncHook ?? false : null,
            EnableIssuingSyncHook = custom ? app.EnableIssuingSyncHook ?? false : null,
        };
    }
}

/// <summary>The body of <c>PUT /api/v1/apps/{id}</c> (OpenMeter's <c>AppReplaceUpdate</c>, by <see cref="Type"/>).</summary>
public sealed record AppReplaceUpdate
{
    public string? Type { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public bool? EnableDraftSyncHook { get; init; }

    public bool? EnableIssuingSyncHook { get; init; }
}

/// <summary>The body of <c>POST /api/v1/marketplace/listings/{type}/install</c> (OpenMeter's <c>MarketplaceInstallRequestPayload</c>).</summary>
public sealed record MarketplaceInstallRequest
{
    /// <summary>The app's name; the listing's name when absent.</summary>
    public string? Name { get; init; }

    /// <summary>Create a billing profile using the new app for everything (true unless said otherwise).</summary>
    public bool? CreateBillingProfile { get; init; }
}

/// <summary>OpenMeter's <c>MarketplaceInstallResponse</c>: the new app and the capabilities it became the default for.</summary>
public sealed record MarketplaceInstallResponse(AppView App, IReadOnlyList<string> DefaultForCapabilityTypes);
