using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Invoices.Charges;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>A draft to store: its lines were priced against the ledger as it was, which the change checks again.</summary>
internal sealed record PlannedDraft(Customer Customer, string Currency, ResolvedProfile Profile, List<InvoiceLine> Lines, Dictionary<string, int> BilledLines, DateTimeOffset AsOf);

/// <summary>
/// Turns what is due into drafts: "invoice now" for one customer, and the bill run for every customer whose next line
/// is due (its invoice time plus the workflow's collection interval). Usage is read first, outside the lock; the draft
/// is stored only if no line it bills was billed meanwhile (another node, another request), so a customer's period is
/// never invoiced twice.
/// </summary>
public sealed class InvoiceCollector(BillingRepository repository, InvoiceLineBuilder builder)
{
    /// <summary>Creates the customer's drafts (one per currency) from the lines due as of <paramref name="asOf"/>; empty when nothing is.</summary>
    internal async Task<IReadOnlyList<Invoice>> CollectAsync(
        Customer customer, DateTimeOffset asOf, bool? progressiveOverride, IReadOnlySet<string>? lineIds, CancellationToken cancellationToken)
    {
        var planned = await PlanAsync(repository.Current, customer, asOf, progressiveOverride, lineIds, scheduled: false, cancellationToken);
        return planned.Count == 0 ? [] : await StoreAsync(planned, cancellationToken);
    }

    /// <summary>
    /// The drafts a customer would get as of <paramref name="asOf"/>, priced but not stored; <paramref name="scheduled"/>
    /// (the bill run) takes only lines whose collection time has passed (<see cref="LineSelection.Scheduled"/>).
    /// </summary>
    internal async Task<List<PlannedDraft>> PlanAsync(
        BillingState state, Customer customer, DateTimeOffset asOf, bool? progressiveOverride, IReadOnlySet<string>? lineIds, bool scheduled, CancellationToken cancellationToken, UsageBatch? usage = null)
    {
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var profile = BillingProfiles.For(state, customer.Id)
            ?? throw new BillingConflictException("there is no default billing profile to invoice with");
        var ledger = ChargeLedger.Of(state);
        var drafts = new List<PlannedDraft>();
        foreach (var gathering in InvoiceService.GatheringInvoices(state, customer, now))
        {
            var selection = new LineSelection
            {
                AsOf = asOf,
                Progressive = progressiveOverride ?? false,
                LineIds = lineIds,
                Usage = usage,
                Scheduled = scheduled,
            };
            var lines = await builder.BuildAsync(state, customer, gathering.Currency, profile.Workflow, selection, now, cancellationToken);
            if (lines.Count > 0)
            {
                var billed = lines.Where(l => l.ManagedBy != "manual" && l.ChargeId is not null)
                    .ToDictionary(l => l.ChargeId!, l => ledger.Billed(l.ChargeId!).Lines, StringComparer.Ordinal);
                drafts.Add(new PlannedDraft(customer, gathering.Currency, profile, lines, billed, asOf));
            }
        }

        return drafts;
    }

    /// <summary>Stores the planned drafts whose lines are still unbilled, in one change; the others are dropped.</summary>
    internal Task<IReadOnlyList<Invoice>> StoreAsync(IReadOnlyList<PlannedDraft> planned, CancellationToken cancellationToken) =>
        repository.ChangeAsync<IReadOnlyList<Invoice>>(change =>
        {
            // One ledger for the whole batch: each draft bills its own customer's charges, so they cannot collide.
            var ledger = ChargeLedger.Of(change.State);
            var lookup = InvoiceLookup.Of(change.State);
            var made = new List<Invoice>(planned.Count);
            foreach (var draft in planned)
            {
                if (draft.BilledLines.Any(b => ledger.Billed(b.Key).Lines != b.Value))
                {
                    continue;
                }

                var gathering = lookup.Gathering(draft.Customer.Id, draft.Currency);
                var manual = draft.Lines.Where(l => l.ManagedBy == "manual").Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
                if (manual.Count > 0)
                {
                    if (gathering?.Lines is not { } pending || manual.Any(id => !pending.Any(p => p.Id == id)))
                    {
                        continue;
                    }

                    change.Put(Invoice.Kind, gathering with { Lines = [.. pending.Where(p => !manual.Contains(p.Id))], UpdatedAt = change.Now });
                }

                made.Add(change.Put(Invoice.Kind, NewDraft(draft, change.Now)));
            }

            return made;
        }, cancellationToken);

    /// <summary>When the customer's next line is due to be collected (its invoice time plus the collection interval); null: none pending.</summary>
    public static DateTimeOffset? NextCollection(BillingState state, Customer customer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customer);
        if (BillingProfiles.For(state, customer.Id) is not { } profile)
        {
            return null;
        }

        var ledger = ChargeLedger.Of(state);
        var collection = profile.Workflow.Collection;
        DateTimeOffset? next = null;
        foreach (var subscription in SubscriptionService.OfCustomer(state, customer.Id))
        {
            if (subscription.SettlementMode == Catalog.Plans.SettlementMode.CreditOnly)
            {
                continue;
            }

            foreach (var charge in ChargePlanner.Charges(subscription, now))
            {
                var billed = ledger.Billed(charge.Id);
                var due = charge.InvoiceAt;
                if (billed.Lines > 0 && billed.BilledThrough >= charge.ServicePeriod.To)
                {
                    // Billed in full. A fee now costing other than it was billed (a cancelation or a change cut its
                    // period short) is due again at the period's new end, for the adjustment; anything else waits.
                    if (charge.Price is not Catalog.RateCards.FlatPrice flat
                        || charge.ServicePeriod.To < now - InvoiceLineBuilder.LateUsageWindow
                        || billed.Total == InvoiceLineBuilder.FlatTotal(charge, flat, profile.Workflow))
                    {
                        continue;
                    }

                    due = charge.ServicePeriod.To;
                }

                var at = collection.CollectionAt(due);
                if (next is null || at < next)
                {
                    next = at;
                }
            }
        }

        foreach (var gathering in InvoiceLookup.Of(state).OfCustomer(customer.Id).Where(i => i.Status == InvoiceStatus.Gathering))
        {
            foreach (var line in gathering.Lines ?? [])
            {
                var at = collection.CollectionAt(line.InvoiceAt);
                if (next is null || at < next)
                {
                    next = at;
                }
            }
        }

        return next;
    }

    private static Invoice NewDraft(PlannedDraft draft, DateTimeOffset now)
    {
        var id = Ulid.NewUlid().ToString();
        var number = InvoiceNumbers.Draft(id);
        var workflow = draft.Profile.Workflow;
        var invoice = new Invoice
        {
            Id = id,
            CreatedAt = now,
            UpdatedAt = now,
            Supplier = draft.Profile.Profile.Supplier,
            Customer = InvoiceCustomer.Of(draft.Customer),
            Number = number,
            Currency = draft.Currency,
            Status = InvoiceStatus.Draft,
            ExtendedStatus = InvoiceSteps.DraftCreated,
            CollectionAt = draft.AsOf,
            QuantitySnapshotedAt = now,
            DraftUntil = Catalog.RateCards.IsoDuration.Parse("workflow.invoicing.draftPeriod", workflow.Invoicing.DraftPeriod).AddTo(now),
            Workflow = new InvoiceWorkflowSettings { SourceBillingProfileId = draft.Profile.Profile.Id, Workflow = workflow, Apps = draft.Profile.Profile.Apps },
        };
        return InvoiceService.WithLines(invoice, [.. draft.Lines.Select(l => l with { CreatedAt = now, UpdatedAt = now })], id, number);
    }
}
