using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>Installs apps from the marketplace, renames and reconfigures them, and uninstalls those no profile uses.</summary>
public sealed class AppService(BillingRepository repository, InvoicingApps implementations, BillingProfileDefaults defaults)
{
    /// <summary>
    /// Installs <paramref name="type"/>; unless told otherwise also creates a billing profile using the new app for
    /// tax, invoicing and payment (the default profile only when there is none yet).
    /// </summary>
    public Task<MarketplaceInstallResponse> InstallAsync(string type, MarketplaceInstallRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var listing = Marketplace.Find(type);
        if (!implementations.Types.Contains(listing.Type))
        {
            throw new BillingValidationException("type", $"the {listing.Name} app is not available in Tollgate yet; install sandbox or custom_invoicing");
        }

        var name = input.Name is null ? listing.Name : BillingProfileService.RequireName(input.Name);
        return repository.ChangeAsync(change =>
        {
            var app = change.Put(InstalledApp.Kind, NewApp(change, listing.Type, name));
            IReadOnlyList<string> defaultFor = [];
            if (input.CreateBillingProfile ?? true)
            {
                var reference = new AppReference(app.Id);
                var profile = BillingProfileService.Add(change, new BillingProfile
                {
                    Id = Ulid.NewUlid().ToString(),
                    Name = $"{name} Billing Profile",
                    CreatedAt = change.Now,
                    UpdatedAt = change.Now,
                    // The business issuing the invoices does not change with the app.
                    Supplier = BillingProfiles.Default(change.State)?.Supplier ?? new BillingParty { Name = defaults.SupplierName },
                    Apps = new BillingProfileAppReferences(reference, reference, reference),
                });
                defaultFor = profile.Default ? Marketplace.CapabilityTypes : [];
            }

            return new MarketplaceInstallResponse(AppView.Of(app), defaultFor);
        }, cancellationToken);
    }

    /// <summary>Replaces an app's name, description, metadata and (custom invoicing) hook settings.</summary>
    public Task<InstalledApp> ReplaceAsync(string id, AppReplaceUpdate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Type is null)
        {
            throw new BillingValidationException("type", "is required: the app's type");
        }

        Marketplace.Find(input.Type);
        var name = BillingProfileService.RequireName(input.Name);
        BillingProfileService.RequireDescription(input.Description);
        return repository.ChangeAsync(change =>
        {
            var app = Live(change.State, id);
            if (app.Type != input.Type)
            {
                throw new BillingValidationException("type", $"app \"{id}\" is a {app.Type} app, not {input.Type}");
            }

            var replaced = app with { Name = name, Description = input.Description, Metadata = input.Metadata, UpdatedAt = change.Now };
            if (app.Type == CustomInvoicingApp.AppType)
            {
                replaced = replaced with
                {
                    EnableDraftSyncHook = input.EnableDraftSyncHook ?? throw new BillingValidationException("enableDraftSyncHook", "is required for a custom_invoicing app"),
                    EnableIssuingSyncHook = input.EnableIssuingSyncHook ?? throw new BillingValidationException("enableIssuingSyncHook", "is required for a custom_invoicing app"),
                };
            }

            return change.Put(InstalledApp.Kind, replaced);
        }, cancellationToken);
    }

    /// <summary>Uninstalls an app (soft delete); refused while a billing profile that is not deleted uses it.</summary>
    public Task UninstallAsync(string id, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var app = Live(change.State, id);
        var users = change.State.All(BillingProfile.Kind)
            .Where(p => !p.IsDeleted && (p.Apps.Tax.Id == id || p.Apps.Invoicing.Id == id || p.Apps.Payment.Id == id))
            .Select(p => $"\"{p.Name}\" ({p.Id})").Order(StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            throw new BillingConflictException($"app \"{app.Name}\" is used by billing profiles {string.Join(", ", users)}; delete those profiles first");
        }

        return change.Put(InstalledApp.Kind, app with { DeletedAt = change.Now, UpdatedAt = change.Now });
    }, cancellationToken);

    /// <summary>An installed, not uninstalled app, or a 404.</summary>
    public static InstalledApp Live(BillingState state, string id)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Find(InstalledApp.Kind, id) is { IsDeleted: false } app ? app : throw new BillingNotFoundException($"app \"{id}\" not found");
    }

    /// <summary>A freshly installed app of <paramref name="type"/>; custom invoicing starts with both sync hooks off.</summary>
    internal static InstalledApp NewApp(BillingChange change, string type, string name)
    {
        var custom = type == CustomInvoicingApp.AppType;
        return new InstalledApp
        {
            Id = Ulid.NewUlid().ToString(),
            Type = type,
            Name = name,
            CreatedAt = change.Now,
            UpdatedAt = change.Now,
            EnableDraftSyncHook = custom ? false : null,
            EnableIssuingSyncHook = custom ? false : null,
        };
    }
}
