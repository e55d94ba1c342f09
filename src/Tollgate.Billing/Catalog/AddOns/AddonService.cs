using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.AddOns;

/// <summary>Add-ons and their versions: create a draft, replace it, publish, archive, delete.</summary>
public sealed class AddonService(BillingRepository repository)
{
    public Task<Addon> CreateAsync(AddonCreate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = Keys.Require("key", input.Key);
        return repository.ChangeAsync(change =>
        {
            var versions = Versions(change.State, key);
            if (versions.FirstOrDefault(v => v.DeletedAt is null && v.StatusAt(change.Now) == AddonStatus.Draft) is { } draft)
            {
                throw new BillingConflictException($"add-on \"{key}\" already has a draft (version {draft.Version}); publish, replace or delete it first");
            }

            var addon = new Addon
            {
                Id = Ulid.NewUlid().ToString(),
                Name = input.Name?.Trim()!,
                Description = input.Description,
                Metadata = input.Metadata,
                CreatedAt = change.Now,
                UpdatedAt = change.Now,
                Key = key,
                Version = Lifecycle.NextVersion(versions),
                InstanceType = input.InstanceType ?? throw new BillingValidationException("instanceType", "is required: single or multiple"),
                Currency = input.Currency ?? Currencies.USD.Code,
                RateCards = input.RateCards!,
            };
            Validate(change.State, addon);
            return change.Put(Addon.Kind, addon).AsOf(change.Now);
        }, cancellationToken);
    }

    /// <summary>Replaces a draft version; key, currency and version stay.</summary>
    public Task<Addon> ReplaceAsync(string addonId, AddonReplaceUpdate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var addon = ById(change.State, addonId);
            RequireStatus(addon, change.Now, AddonStatus.Draft, "replaced");
            var replaced = addon with
            {
                Name = input.Name?.Trim()!,
                Description = input.Description,
                Metadata = input.Metadata,
                InstanceType = input.InstanceType ?? throw new BillingValidationException("instanceType", "is required: single or multiple"),
                RateCards = input.RateCards!,
                UpdatedAt = change.Now,
            };
            Validate(change.State, replaced);
            return change.Put(Addon.Kind, replaced).AsOf(change.Now);
        }, cancellationToken);
    }

    /// <summary>Makes a draft the add-on's version from now on; the version active until now ends now.</summary>
    public Task<Addon> PublishAsync(string addonId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var addon = ById(change.State, addonId);
        RequireStatus(addon, change.Now, AddonStatus.Draft, "published");
        Validate(change.State, addon);
        if (addon.RateCards.Count == 0)
        {
            throw new BillingValidationException("rateCards", "an add-on needs at least one rate card to be published");
        }

        if (Lifecycle.ActiveAt(Versions(change.State, addon.Key), change.Now) is { } previous)
        {
            change.Put(Addon.Kind, previous with { EffectiveTo = change.Now, UpdatedAt = change.Now });
        }

        return change.Put(Addon.Kind, addon with { EffectiveFrom = change.Now, EffectiveTo = null, UpdatedAt = change.Now }).AsOf(change.Now);
    }, cancellationToken);

    /// <summary>Ends an active version now; plans and subscriptions that have it keep it.</summary>
    public Task<Addon> ArchiveAsync(string addonId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var addon = ById(change.State, addonId);
        RequireStatus(addon, change.Now, AddonStatus.Active, "archived");
        return change.Put(Addon.Kind, addon with { EffectiveTo = change.Now, UpdatedAt = change.Now }).AsOf(change.Now);
    }, cancellationToken);

    /// <summary>Soft-deletes a version that is not active (archive an active one first).</summary>
    public Task DeleteAsync(string addonId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var addon = ById(change.State, addonId);
        if (addon.StatusAt(change.Now) == AddonStatus.Active)
        {
            throw new BillingConflictException($"add-on \"{addon.Key}\" version {addon.Version} is active; archive it before deleting it");
        }

        return change.Put(Addon.Kind, addon with { DeletedAt = change.Now, UpdatedAt = change.Now });
    }, cancellationToken);

    /// <summary>An add-on by id, or by key: the version active at <paramref name="at"/>, else (or with <paramref name="includeLatest"/>) the latest.</summary>
    public static Addon? Find(BillingState state, string idOrKey, DateTimeOffset at, bool includeLatest = false) =>
        Lifecycle.Find(state, Addon.Kind, idOrKey, at, includeLatest);

    /// <summary>A specific version of <paramref name="key"/> (not deleted).</summary>
    public static Addon? Version(BillingState state, string key, int version) =>
        Lifecycle.Version(state, Addon.Kind, key, version);

    /// <summary>Every version of <paramref name="key"/>, deleted ones included, by version.</summary>
    public static IReadOnlyList<Addon> Versions(BillingState state, string key) =>
        Lifecycle.Versions(state, Addon.Kind, key);

    /// <summary>Whether an add-on version that is not deleted or archived sells <paramref name="featureKey"/>.</summary>
    public static bool UsesFeature(BillingState state, string featureKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.All(Addon.Kind).Any(a => a.DeletedAt is null
            && a.StatusAt(now) != AddonStatus.Archived
            && a.RateCards.Any(rc => rc.FeatureKey == featureKey));
    }

    /// <summary>OpenMeter's add-on rules; the first broken one is a 400 naming the field.</summary>
    public static void Validate(BillingState state, Addon addon)
    {
        ArgumentNullException.ThrowIfNull(addon);
        RateCardRules.Text("name", addon.Name, 256, required: true);
        RateCardRules.Text("description", addon.Description, 1024, required: false);
        Keys.Require("key", addon.Key);
        Currencies.Require("currency", addon.Currency);
        if (!Enum.IsDefined(addon.InstanceType))
        {
            throw new BillingValidationException("instanceType", "must be single or multiple");
        }

        RateCardRules.Validate(state, "rateCards", addon.RateCards, planCadence: null);
        PlanRules.CadencesAlign("rateCards", addon.RateCards);
        if (addon.InstanceType == AddonInstanceType.MultipleInstance)
        {
            for (var i = 0; i < addon.RateCards.Count; i++)
            {
                if (addon.RateCards[i].Price is not (null or FlatPrice))
                {
                    throw new BillingValidationException($"rateCards[{i}].price", "an add-on bought in quantities (instanceType multiple) takes only free or flat-price rate cards");
                }
            }
        }
    }

    private static void RequireStatus(Addon addon, DateTimeOffset now, AddonStatus required, string action)
    {
        var status = addon.StatusAt(now);
        if (status != required)
        {
            throw new BillingConflictException($"add-on \"{addon.Key}\" version {addon.Version} is {status.ToString().ToLowerInvariant()}; only {required.ToString().ToLowerInvariant()} versions are {action}");
        }
    }

    private static Addon ById(BillingState state, string addonId) =>
        state.Find(Addon.Kind, addonId) is { DeletedAt: null } addon ? addon : throw new BillingNotFoundException($"add-on \"{addonId}\" not found");

}
