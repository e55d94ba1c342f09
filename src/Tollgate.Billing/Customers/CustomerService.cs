using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Customers;

/// <summary>
/// Creates, replaces and deletes customers. A key names one live customer, a subject belongs to one live customer;
/// both are checked inside the change, on the latest stored state, so they hold across nodes.
/// </summary>
public sealed class CustomerService(BillingRepository repository)
{
    public Task<Customer> CreateAsync(CustomerInputs input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        return repository.ChangeAsync(change =>
        {
            var id = Ulid.NewUlid().ToString();
            var customer = Apply(input, new Customer
            {
                Id = id,
                Name = input.Name!,
                CreatedAt = change.Now,
                UpdatedAt = change.Now,
            });
            RequireFree(change.State, customer);
            return change.Put(Customer.Kind, customer);
        }, cancellationToken);
    }

    /// <summary>
    /// Replaces what the body carries, as OpenMeter's replace update does: omitted <c>primaryEmail</c> and
    /// <c>currency</c> keep their values (OpenMeter only sets them when given), everything else is replaced or cleared.
    /// </summary>
    public Task<Customer> ReplaceAsync(string idOrKey, CustomerInputs input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        return repository.ChangeAsync(change =>
        {
            var existing = CustomerLookup.FindIncludingDeleted(change.State, idOrKey)
                ?? throw new BillingNotFoundException($"customer \"{idOrKey}\" not found");
            if (existing.IsDeleted)
            {
                // OpenMeter answers an update of a deleted customer as a validation error (400), not a 404.
                throw new BillingValidationException("customerIdOrKey", $"customer {existing.Id} is deleted; a deleted customer cannot be updated");
            }

            var replaced = Apply(input, existing with { UpdatedAt = change.Now });
            RequireFree(change.State, replaced);
            return change.Put(Customer.Kind, replaced);
        }, cancellationToken);
    }

    /// <summary>
    /// Soft-deletes: the customer keeps answering by id with <c>deletedAt</c>, leaves lists, and its key and
    /// subjects are free for other customers.
    /// </summary>
    public Task DeleteAsync(string idOrKey, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var customer = CustomerLookup.FindIncludingDeleted(change.State, idOrKey);
        if (customer is null || customer.IsDeleted)
        {
            throw new BillingNotFoundException($"customer \"{idOrKey}\" not found");
        }

        // As OpenMeter: a customer whose subscription runs or is to come is not deleted; cancel (or delete) it first.
        if (SubscriptionService.OfCustomer(change.State, customer.Id).FirstOrDefault(s => s.IsLiveAt(change.Now)) is { } subscription)
        {
            throw new BillingConflictException($"customer {customer.Id} has subscription {subscription.Id} ({SubscriptionService.Name(subscription.StatusAt(change.Now))}); cancel it, or delete it while it is scheduled, before deleting the customer");
        }

        return change.Put(Customer.Kind, customer with { DeletedAt = change.Now, UpdatedAt = change.Now });
    }, cancellationToken);

    private static Customer Apply(CustomerInputs input, Customer customer) => customer with
    {
        Name = input.Name!,
        Description = input.Description,
        Metadata = input.Metadata,
        Key = input.Key,
        UsageAttribution = new CustomerUsageAttribution { SubjectKeys = [.. input.UsageAttribution?.SubjectKeys ?? []] },
        PrimaryEmail = input.PrimaryEmail ?? customer.PrimaryEmail,
        Currency = input.Currency ?? customer.Currency,
        BillingAddress = input.BillingAddress,
    };

    /// <summary>409 unless <paramref name="customer"/>'s key and subjects are taken by no other live customer.</summary>
    private static void RequireFree(BillingState state, Customer customer)
    {
        var live = CustomerLookup.Of(state);
        if (customer.Key is { } key)
        {
            if (live.ByKey(key) is { } holder && holder.Id != customer.Id)
            {
                throw new BillingConflictException($"key \"{key}\" is already used by customer {holder.Id} (\"{holder.Name}\")", "key");
            }

            if (key != customer.Id && state.Find(Customer.Kind, key) is not null)
            {
                // Paths take an id or a key: a key that is another customer's id would make one of them unreachable.
                throw new BillingConflictException($"key \"{key}\" is the id of another customer", "key");
            }

            if (live.BySubject(key) is { } subjectHolder && subjectHolder.Id != customer.Id)
            {
                throw new BillingConflictException($"key \"{key}\" is a subject attributed to customer {subjectHolder.Id} (\"{subjectHolder.Name}\")", "key");
            }
        }

        var subjects = customer.UsageSubjects;
        for (var i = 0; i < subjects.Count; i++)
        {
            var subject = subjects[i];
            if (live.BySubject(subject) is { } holder && holder.Id != customer.Id)
            {
                // Without subject keys the key is the subject, so the clash is the key's.
                var field = customer.UsageAttribution.SubjectKeys.Count > 0 ? $"usageAttribution.subjectKeys[{i}]" : "key";
                throw new BillingConflictException($"subject \"{subject}\" is already attributed to customer {holder.Id} (\"{holder.Name}\"); a subject belongs to one customer at most", field);
            }
        }
    }
}
