using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Apps;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>
/// Creates, replaces and deletes billing profiles and customer overrides. Exactly one live profile is the default:
/// making one the default un-defaults the previous one in the same change, and the default cannot be deleted.
/// </summary>
public sealed class BillingProfileService(BillingRepository repository)
{
    private static readonly InvoiceStatus[] Unfinished = [InvoiceStatus.Gathering, InvoiceStatus.Draft, InvoiceStatus.Issuing];

    public Task<BillingProfile> CreateAsync(BillingProfileCreate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var name = RequireName(input.Name);
        RequireDescription(input.Description);
        var supplier = RequireSupplier(input.Supplier);
        var workflow = (input.Workflow ?? new()).Validate("workflow").ApplyTo(new BillingWorkflow());
        var apps = input.Apps ?? throw new BillingValidationException("apps", "is required: the ids of the tax, invoicing and payment apps");
        var taxId = RequireId("apps.tax", apps.Tax);
        var invoicingId = RequireId("apps.invoicing", apps.Invoicing);
        var paymentId = RequireId("apps.payment", apps.Payment);
        return repository.ChangeAsync(change =>
        {
            var references = new BillingProfileAppReferences(
                new AppReference(LiveApp(change.State, "apps.tax", taxId).Id),
                new AppReference(LiveApp(change.State, "apps.invoicing", invoicingId).Id),
                new AppReference(LiveApp(change.State, "apps.payment", paymentId).Id));
            return Add(change, new BillingProfile
            {
                Id = Ulid.NewUlid().ToString(),
                Name = name,
                Description = input.Description,
                Metadata = input.Metadata,
                CreatedAt = change.Now,
                UpdatedAt = change.Now,
                Supplier = supplier,
                Workflow = workflow,
                Apps = references,
                Default = input.Default ?? false,
            });
        }, cancellationToken);
    }

    public Task<BillingProfile> ReplaceAsync(string id, BillingProfileReplaceUpdate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var name = RequireName(input.Name);
        RequireDescription(input.Description);
        var supplier = RequireSupplier(input.Supplier);
        var workflow = (input.Workflow ?? new()).Validate("workflow").ApplyTo(new BillingWorkflow());
        return repository.ChangeAsync(change =>
        {
            var profile = change.State.Find(BillingProfile.Kind, id) ?? throw NotFound(id);
            if (profile.IsDeleted)
            {
                throw new BillingConflictException($"billing profile \"{id}\" is deleted");
            }

            var makeDefault = input.Default ?? profile.Default;
            if (profile.Default && !makeDefault)
            {
                throw new BillingValidationException("default", "this is the default billing profile; make another profile the default instead");
            }

            var replaced = profile with
            {
                Name = name,
                Description = input.Description,
                Metadata = input.Metadata,
                Supplier = supplier,
                Workflow = workflow,
                Default = makeDefault,
                UpdatedAt = change.Now,
            };
            if (replaced.Default && !profile.Default)
            {
                Undefault(change);
            }

            return change.Put(BillingProfile.Kind, replaced);
        }, cancellationToken);
    }

    /// <summary>Soft-deletes a profile no customer is pinned to and no unfinished invoice uses; never the default.</summary>
    public Task DeleteAsync(string id, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var profile = change.State.Find(BillingProfile.Kind, id) is { IsDeleted: false } live ? live : throw NotFound(id);
        if (profile.Default)
        {
            throw new BillingValidationException("default", "the default billing profile cannot be deleted; make another profile the default first");
        }

        var pinned = change.State.All(CustomerOverride.Kind).Where(o => o.BillingProfileId == id).Select(o => o.CustomerId).Order(StringComparer.Ordinal).ToList();
        if (pinned.Count > 0)
        {
            throw new BillingValidationException("id", $"customers are pinned to this billing profile ({string.Join(", ", pinned)}); delete or change their overrides first");
        }

        var unfinished = change.State.All(Invoice.Kind)
            .Where(i => !i.IsDeleted && i.Workflow.SourceBillingProfileId == id && Array.IndexOf(Unfinished, i.Status) >= 0)
            .Select(i => i.Id).Order(StringComparer.Ordinal).ToList();
        if (unfinished.Count > 0)
        {
            throw new BillingValidationException("id", $"invoices of this billing profile are not finalized yet ({string.Join(", ", unfinished)})");
        }

        return change.Put(BillingProfile.Kind, profile with { DeletedAt = change.Now, UpdatedAt = change.Now });
    }, cancellationToken);

    /// <summary>Creates or replaces <paramref name="customerIdOrKey"/>'s override.</summary>
    public Task<CustomerOverride> UpsertOverrideAsync(string customerIdOrKey, CustomerOverrideInputs input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var workflow = input.Workflow?.Validate("workflow");
        return repository.ChangeAsync(change =>
        {
            var customer = CustomerLookup.Find(change.State, customerIdOrKey) ?? throw CustomerNotFound(customerIdOrKey);
            if (input.BillingProfileId is { } profileId && change.State.Find(BillingProfile.Kind, profileId) is not { IsDeleted: false })
            {
                throw new BillingValidationException("billingProfileId", $"no billing profile with id \"{profileId}\"");
            }

            var existing = change.State.Find(CustomerOverride.Kind, customer.Id);
            return change.Put(CustomerOverride.Kind, new CustomerOverride
            {
                CustomerId = customer.Id,
                BillingProfileId = input.BillingProfileId,
                Workflow = workflow is { IsEmpty: false } ? workflow : null,
                CreatedAt = existing?.CreatedAt ?? change.Now,
                UpdatedAt = change.Now,
            });
        }, cancellationToken);
    }

    /// <summary>Removes the customer's override: they follow the default profile again.</summary>
    public Task DeleteOverrideAsync(string customerIdOrKey, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var customer = CustomerLookup.Find(change.State, customerIdOrKey) ?? throw CustomerNotFound(customerIdOrKey);
        if (change.State.Find(CustomerOverride.Kind, customer.Id) is null)
        {
            throw new BillingNotFoundException($"customer \"{customerIdOrKey}\" has no billing override");
        }

        change.Delete(CustomerOverride.Kind, customer.Id);
        return true;
    }, cancellationToken);

    /// <summary>Puts a new profile; it becomes the default when asked or when there is none yet (billing needs one).</summary>
    internal static BillingProfile Add(BillingChange change, BillingProfile profile)
    {
        if (BillingProfiles.Default(change.State) is null)
        {
            profile = profile with { Default = true };
        }
        else if (profile.Default)
        {
            Undefault(change);
        }

        return change.Put(BillingProfile.Kind, profile);
    }

    internal static BillingNotFoundException CustomerNotFound(string customerIdOrKey) => new($"customer \"{customerIdOrKey}\" not found");

    private static void Undefault(BillingChange change)
    {
        foreach (var previous in change.State.All(BillingProfile.Kind).Where(p => p.Default).ToList())
        {
            change.Put(BillingProfile.Kind, previous with { Default = false, UpdatedAt = change.Now });
        }
    }

    private static InstalledApp LiveApp(BillingState state, string field, string id) =>
        state.Find(InstalledApp.Kind, id) is { IsDeleted: false } app
            ? app
            : throw new BillingValidationException(field, $"no installed app with id \"{id}\"");

    private static BillingNotFoundException NotFound(string id) => new($"billing profile \"{id}\" not found");

    private static string RequireId(string field, string? id) =>
        string.IsNullOrWhiteSpace(id) ? throw new BillingValidationException(field, "is required: an installed app's id") : id;

    internal static string RequireName(string? name) => name switch
    {
        null or { Length: 0 } => throw new BillingValidationException("name", "is required"),
        { Length: > 256 } => throw new BillingValidationException("name", "must be at most 256 characters"),
        _ when string.IsNullOrWhiteSpace(name) => throw new BillingValidationException("name", "is required"),
        _ => name,
    };

    internal static void RequireDescription(string? description)
    {
        if (description is { Length: > 1024 })
        {
            throw new BillingValidationException("description", "must be at most 1024 characters");
        }
    }

    private static BillingParty RequireSupplier(BillingParty? supplier)
    {
        if (supplier is null)
        {
            throw new BillingValidationException("supplier", "is required: the name and address invoices are issued under");
        }

        if (supplier.Addresses is { Count: > 1 })
        {
            throw new BillingValidationException("supplier.addresses", "holds at most one address");
        }

        if (supplier.Key is { Length: 0 or > 256 })
        {
            throw new BillingValidationException("supplier.key", "must be 1 to 256 characters");
        }

        // The id is the server's (readOnly in OpenMeter's contract).
        return supplier with { Id = null };
    }
}
