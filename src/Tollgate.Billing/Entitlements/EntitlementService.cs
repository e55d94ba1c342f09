using System.Globalization;
using System.Text.Json;
using Tollgate.Billing.Catalog.Features;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// Creates, ends, deletes, resets and overrides entitlements and issues grants. Every step is a synchronous method on
/// a <see cref="BillingChange"/>, so another slice (subscriptions) can create or end entitlements inside its own
/// change, atomically with its own documents; the async methods are the API's one-step changes.
/// </summary>
public sealed class EntitlementService(BillingRepository repository)
{
    private static readonly TimeSpan ShortestUsagePeriod = TimeSpan.FromHours(1);

    public Task<Entitlement> CreateAsync(string customerIdOrKey, EntitlementCreateInputs input, CancellationToken cancellationToken) =>
        repository.ChangeAsync(change => Create(change, RequireCustomer(change.State, customerIdOrKey), input), cancellationToken);

    public Task DeleteAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, CancellationToken cancellationToken) =>
        repository.ChangeAsync(change =>
        {
            var entitlement = Require(change.State, RequireCustomer(change.State, customerIdOrKey), entitlementIdOrFeatureKey, change.Now);
            return change.Put(Entitlement.Kind, entitlement with { DeletedAt = change.Now, UpdatedAt = change.Now });
        }, cancellationToken);

    public Task<Grant> CreateGrantAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, GrantCreateInput input, CancellationToken cancellationToken) =>
        repository.ChangeAsync(change =>
        {
            var entitlement = Require(change.State, RequireCustomer(change.State, customerIdOrKey), entitlementIdOrFeatureKey, change.Now);
            return CreateGrant(change, entitlement, input, string.Empty);
        }, cancellationToken);

    public Task<Entitlement> ResetAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, ResetEntitlementUsageInput input, CancellationToken cancellationToken) =>
        repository.ChangeAsync(change =>
        {
            var entitlement = Require(change.State, RequireCustomer(change.State, customerIdOrKey), entitlementIdOrFeatureKey, change.Now);
            return Reset(change, entitlement, input);
        }, cancellationToken);

    /// <summary>Replaces the entitlement with a new one for the same feature, in one change (OpenMeter's override).</summary>
    public Task<Entitlement> OverrideAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, EntitlementCreateInputs input, CancellationToken cancellationToken) =>
        repository.ChangeAsync(change =>
        {
            var customer = RequireCustomer(change.State, customerIdOrKey);
            var old = Require(change.State, customer, entitlementIdOrFeatureKey, change.Now);
            change.Put(Entitlement.Kind, old with { DeletedAt = change.Now, UpdatedAt = change.Now });
            if (input.FeatureId is null && input.FeatureKey is null)
            {
                input = input with { FeatureId = old.FeatureId };
            }
            else if (input.FeatureId is { } id ? id != old.FeatureId : input.FeatureKey != old.FeatureKey)
            {
                throw new BillingValidationException(input.FeatureId is null ? "featureKey" : "featureId", $"an override keeps the feature: the entitlement is for \"{old.FeatureKey}\"");
            }

            return Create(change, customer, input);
        }, cancellationToken);

    /// <summary>
    /// Creates an entitlement for <paramref name="customer"/> inside <paramref name="change"/> (with its issue-after-reset
    /// grant and any grants in the input). One entitlement per customer and feature at a time: an overlapping one is a 409.
    /// </summary>
    public static Entitlement Create(BillingChange change, Customer customer, EntitlementCreateInputs input, EntitlementPlacement? placement = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(input);
        var type = input.Type switch
        {
            null => throw new BillingValidationException("type", "is required: metered, static or boolean"),
            Entitlement.Metered or Entitlement.Static or Entitlement.Boolean => input.Type,
            _ => throw new BillingValidationException("type", $"\"{input.Type}\" is not an entitlement type: use metered, static or boolean"),
        };
        var feature = RequireFeature(change.State, input);
        var now = change.Now;
        var activeFrom = placement?.ActiveFrom ?? now;
        var activeTo = placement?.ActiveTo;
        if (activeTo <= activeFrom)
        {
            throw new BillingValidationException("activeTo", "must be after activeFrom");
        }

        var usagePeriod = input.UsagePeriod is null ? null : Period(input.UsagePeriod, "usagePeriod", now);
        var entitlement = new Entitlement
        {
            Id = Ulid.NewUlid().ToString(),
            Type = type,
            CustomerId = customer.Id,
            FeatureId = feature.Id,
            FeatureKey = feature.Key,
            CreatedAt = now,
            UpdatedAt = now,
            ActiveFrom = activeFrom,
            ActiveTo = activeTo,
            Metadata = input.Metadata,
            Annotations = placement?.Annotations,
            UsagePeriod = usagePeriod,
        };

        if (type != Entitlement.Static && input.Config is not null)
        {
            throw new BillingValidationException("config", $"only static entitlements have a config; this one is {type}");
        }

        if (type != Entitlement.Metered)
        {
            foreach (var (field, given) in new[]
            {
                ("isSoftLimit", input.IsSoftLimit is not null), ("preserveOverageAtReset", input.PreserveOverageAtReset is not null),
                ("issueAfterReset", input.IssueAfterReset is not null), ("issue", input.Issue is not null),
                ("measureUsageFrom", input.MeasureUsageFrom is not null), ("grants", input.Grants is { Count: > 0 }),
            })
            {
                if (given)
                {
                    throw new BillingValidationException(field, $"only metered entitlements take {field}; this one is {type}");
                }
            }
        }

        if (type == Entitlement.Static)
        {
            entitlement = entitlement with { Config = RequireJson(input.Config) };
        }
        else if (type == Entitlement.Metered)
        {
            entitlement = Metered(change, entitlement, feature, input, usagePeriod);
        }

        foreach (var other in EntitlementLookup.Of(change.State).ForCustomer(customer.Id))
        {
            if (other.FeatureId == feature.Id && !other.IsDeleted
                && (other.ActiveTo is null || other.ActiveTo > activeFrom) && (activeTo is null || activeTo > other.ActiveFrom))
            {
                throw new BillingConflictException($"customer \"{customer.Key ?? customer.Id}\" already has entitlement {other.Id} for feature \"{feature.Key}\"; delete or override it");
            }
        }

        change.Put(Entitlement.Kind, entitlement);
        if (entitlement.Issue is { } issue)
        {
            change.Put(Grant.Kind, new Grant
            {
                Id = Ulid.NewUlid().ToString(),
                EntitlementId = entitlement.Id,
                CreatedAt = now,
                UpdatedAt = now,
                Amount = issue.Amount,
                Priority = issue.Priority,
                EffectiveAt = entitlement.MeasureUsageFrom!.Value,
                MinRolloverAmount = issue.Amount,
                MaxRolloverAmount = issue.Amount,
                Annotations = new(StringComparer.Ordinal) { ["issueAfterReset"] = JsonSerializer.SerializeToElement(true, EntitlementJson.Default.Boolean) },
            });
        }

        for (var i = 0; i < (input.Grants?.Count ?? 0); i++)
        {
            CreateGrant(change, entitlement, input.Grants![i], $"grants[{i}].");
        }

        return entitlement;
    }

    /// <summary>Ends <paramref name="entitlement"/> at <paramref name="at"/> (a cancelled subscription); its history stays.</summary>
    public static Entitlement End(BillingChange change, Entitlement entitlement, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(entitlement);
        var end = at < entitlement.ActiveFrom ? entitlement.ActiveFrom : at;
        return change.Put(Entitlement.Kind, entitlement with { ActiveTo = end, UpdatedAt = change.Now });
    }

    /// <summary>Issues a grant to a metered entitlement; <paramref name="prefix"/> prefixes the fields named in errors.</summary>
    public static Grant CreateGrant(BillingChange change, Entitlement entitlement, GrantCreateInput input, string prefix)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(entitlement);
        ArgumentNullException.ThrowIfNull(input);
        if (entitlement.Type != Entitlement.Metered)
        {
            throw new BillingValidationException("entitlementIdOrFeatureKey", $"grants go to metered entitlements; entitlement {entitlement.Id} is {entitlement.Type}");
        }

        var amount = input.Amount ?? throw new BillingValidationException(prefix + "amount", "is required");
        if (amount < 0)
        {
            throw new BillingValidationException(prefix + "amount", "must not be negative");
        }

        var priority = input.Priority ?? 1;
        if (priority is < 1 or > 255)
        {
            throw new BillingValidationException(prefix + "priority", "must be from 1 to 255 (1 burns first)");
        }

        var effectiveAt = input.EffectiveAt ?? throw new BillingValidationException(prefix + "effectiveAt", "is required");
        effectiveAt = BillingRepository.Truncate(effectiveAt);
        DateTimeOffset? expiresAt = null;
        if (input.Expiration is { } expiration)
        {
            if (expiration.Duration is null || Array.IndexOf(ExpirationPeriod.Durations, expiration.Duration) < 0)
            {
                throw new BillingValidationException(prefix + "expiration.duration", "must be one of: HOUR, DAY, WEEK, MONTH, YEAR");
            }

            if (expiration.Count is < 1 or > 1000)
            {
                throw new BillingValidationException(prefix + "expiration.count", "must be from 1 to 1000");
            }

            expiresAt = expiration.ExpiresAfter(effectiveAt);
        }

        var minRollover = input.MinRolloverAmount ?? 0;
        var maxRollover = input.MaxRolloverAmount ?? amount;
        if (minRollover < 0)
        {
            throw new BillingValidationException(prefix + "minRolloverAmount", "must not be negative");
        }

        if (maxRollover < minRollover)
        {
            throw new BillingValidationException(prefix + "maxRolloverAmount", "must not be less than minRolloverAmount");
        }

        return change.Put(Grant.Kind, new Grant
        {
            Id = Ulid.NewUlid().ToString(),
            EntitlementId = entitlement.Id,
            CreatedAt = change.Now,
            UpdatedAt = change.Now,
            Amount = amount,
            Priority = priority,
            EffectiveAt = effectiveAt,
            Expiration = input.Expiration,
            ExpiresAt = expiresAt,
            MinRolloverAmount = minRollover,
            MaxRolloverAmount = maxRollover,
            Recurrence = input.Recurrence is null ? null : Period(input.Recurrence, prefix + "recurrence", effectiveAt),
            Metadata = input.Metadata,
            Annotations = input.Annotations,
        });
    }

    /// <summary>Voids a grant from now on: what it covered stays covered, it covers nothing more.</summary>
    public static Grant Void(BillingChange change, Grant grant)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.VoidedAt is not null)
        {
            throw new BillingConflictException($"grant {grant.Id} is already voided");
        }

        return change.Put(Grant.Kind, grant with { VoidedAt = change.Now, UpdatedAt = change.Now });
    }

    /// <summary>Starts a new usage period now (or at the given past time): grants roll over, overage is kept or forgiven.</summary>
    public static Entitlement Reset(BillingChange change, Entitlement entitlement, ResetEntitlementUsageInput input)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(entitlement);
        ArgumentNullException.ThrowIfNull(input);
        if (entitlement.Type != Entitlement.Metered)
        {
            throw new BillingValidationException("entitlementIdOrFeatureKey", $"only metered entitlements have usage to reset; entitlement {entitlement.Id} is {entitlement.Type}");
        }

        var at = BillingRepository.Truncate(input.EffectiveAt ?? change.Now);
        if (at > change.Now)
        {
            throw new BillingValidationException("effectiveAt", "must not be in the future");
        }

        var last = entitlement.LastResetAt(change.Now);
        if (at <= last)
        {
            throw new BillingValidationException("effectiveAt", $"must be after the current usage period's start ({last:yyyy-MM-ddTHH:mm:ss.fffZ})");
        }

        var reset = new UsageReset
        {
            At = at,
            PreserveOverage = input.PreserveOverage ?? entitlement.PreserveOverageAtReset,
            Anchor = input.RetainAnchor == true ? null : at,
        };
        return change.Put(Entitlement.Kind, entitlement with { Resets = [.. entitlement.Resets, reset], UpdatedAt = change.Now });
    }

    /// <summary>The customer's entitlement by id, or the one for the feature key active at <paramref name="at"/>; 404 otherwise.</summary>
    public static Entitlement Require(BillingState state, Customer customer, string entitlementIdOrFeatureKey, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customer);
        return Find(state, customer, entitlementIdOrFeatureKey, at)
            ?? throw new BillingNotFoundException($"customer \"{customer.Key ?? customer.Id}\" has no entitlement \"{entitlementIdOrFeatureKey}\"");
    }

    /// <summary>As <see cref="Require"/>, or null.</summary>
    public static Entitlement? Find(BillingState state, Customer customer, string entitlementIdOrFeatureKey, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customer);
        if (state.Find(Entitlement.Kind, entitlementIdOrFeatureKey) is { IsDeleted: false } byId && byId.CustomerId == customer.Id)
        {
            return byId;
        }

        var live = EntitlementLookup.Of(state).ForCustomer(customer.Id).Where(e => !e.IsDeleted && e.FeatureKey == entitlementIdOrFeatureKey).ToList();
        return live.FirstOrDefault(e => e.IsActiveAt(at)) ?? live.OrderByDescending(e => e.ActiveFrom).FirstOrDefault();
    }

    public static Customer RequireCustomer(BillingState state, string customerIdOrKey) =>
        CustomerLookup.Find(state, customerIdOrKey) ?? throw new BillingNotFoundException($"customer \"{customerIdOrKey}\" not found");

    private static Entitlement Metered(BillingChange change, Entitlement entitlement, Feature feature, EntitlementCreateInputs input, RecurringPeriod? usagePeriod)
    {
        if (feature.MeterSlug is null)
        {
            throw new BillingValidationException(input.FeatureId is null ? "featureKey" : "featureId", $"feature \"{feature.Key}\" has no meter; metered entitlements need a metered feature");
        }

        if (usagePeriod is null)
        {
            throw new BillingValidationException("usagePeriod", "is required for metered entitlements");
        }

        if (input.IsUnlimited == true)
        {
            throw new BillingValidationException("isUnlimited", "unlimited entitlements are deprecated by OpenMeter; use a boolean entitlement");
        }

        var now = change.Now;
        DateTimeOffset measureFrom;
        if (input.MeasureUsageFrom is not { ValueKind: not JsonValueKind.Null } measure || measure.ValueKind == JsonValueKind.String && measure.GetString() == "CURRENT_PERIOD_START")
        {
            measureFrom = usagePeriod.PeriodAt(entitlement.ActiveFrom).From;
        }
        else if (measure.ValueKind == JsonValueKind.String && measure.GetString() == "NOW")
        {
            measureFrom = entitlement.ActiveFrom;
        }
        else if (measure.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(measure.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var given))
        {
            measureFrom = BillingRepository.Truncate(given);
        }
        else
        {
            throw new BillingValidationException("measureUsageFrom", "must be CURRENT_PERIOD_START, NOW or a date-time");
        }

        IssueAfterReset? issue = null;
        var issueAmount = input.Issue?.Amount ?? input.IssueAfterReset;
        if (input.Issue is not null && input.Issue.Amount is null)
        {
            throw new BillingValidationException("issue.amount", "is required");
        }

        if (issueAmount is { } amount)
        {
            var field = input.Issue is null ? "issueAfterReset" : "issue.amount";
            if (amount < 0)
            {
                throw new BillingValidationException(field, "must not be negative");
            }

            var priority = input.Issue?.Priority ?? input.IssueAfterResetPriority ?? 1;
            if (priority is < 1 or > 255)
            {
                throw new BillingValidationException(input.Issue is null ? "issueAfterResetPriority" : "issue.priority", "must be from 1 to 255");
            }

            issue = new IssueAfterReset { Amount = amount, Priority = priority };
        }

        return entitlement with
        {
            IsSoftLimit = input.IsSoftLimit ?? false,
            PreserveOverageAtReset = input.PreserveOverageAtReset ?? false,
            MeasureUsageFrom = measureFrom,
            Issue = issue,
        };
    }

    private static Feature RequireFeature(BillingState state, EntitlementCreateInputs input)
    {
        if (input.FeatureId is { } id)
        {
            var byId = state.Find(Feature.Kind, id);
            if (byId is null || byId.IsArchived)
            {
                throw new BillingValidationException("featureId", $"no live feature with id \"{id}\"");
            }

            if (input.FeatureKey is { } key && key != byId.Key)
            {
                throw new BillingValidationException("featureKey", $"feature {id} has key \"{byId.Key}\", not \"{key}\"");
            }

            return byId;
        }

        if (input.FeatureKey is null)
        {
            throw new BillingValidationException("featureKey", "featureKey or featureId is required");
        }

        return FeatureService.ByKey(state, input.FeatureKey) ?? throw new BillingValidationException("featureKey", $"no live feature with key \"{input.FeatureKey}\"");
    }

    private static RecurringPeriod Period(RecurringPeriodInput input, string field, DateTimeOffset defaultAnchor)
    {
        if (RecurringPeriod.Parse(input.Interval) is not { } step)
        {
            throw new BillingValidationException(field + ".interval", $"\"{input.Interval}\" is not an interval: use DAY, WEEK, MONTH, YEAR or an ISO 8601 duration such as P1M or PT6H");
        }

        if (step.Months == 0 && step.Fixed < ShortestUsagePeriod)
        {
            throw new BillingValidationException(field + ".interval", "must be at least one hour");
        }

        return new RecurringPeriod { Interval = input.Interval!, Anchor = BillingRepository.Truncate(input.Anchor ?? defaultAnchor) };
    }

    private static string RequireJson(string? config)
    {
        if (string.IsNullOrWhiteSpace(config))
        {
            throw new BillingValidationException("config", "is required for static entitlements: a JSON document as a string");
        }

        try
        {
            using var _ = JsonDocument.Parse(config);
        }
        catch (JsonException)
        {
            throw new BillingValidationException("config", "must be a JSON document as a string, e.g. \"{\\\"integrations\\\":[\\\"github\\\"]}\"");
        }

        return config;
    }
}
