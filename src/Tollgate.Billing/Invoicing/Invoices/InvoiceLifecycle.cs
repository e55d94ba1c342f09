using Microsoft.Extensions.Logging;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Apps;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>
/// Moves invoices through their life: draft → (app syncs the draft) → waiting for auto-approval or for manual approval
/// → issuing (numbered; the app finalizes it) → payment processing or paid → overdue, uncollectible, voided. Each move
/// is a change that first checks the invoice is still where the move starts, so moves are safe to repeat and to race.
/// App calls happen between changes, after the invoice's step records what is being attempted; a crash in between
/// leaves the step for the next run to repeat (apps are idempotent per invoice).
/// </summary>
public sealed partial class InvoiceLifecycle(
    BillingRepository repository, InvoiceCollector collector, InvoiceLineBuilder builder, InvoicingApps apps, ILogger<InvoiceLifecycle> logger)
{

    /// <summary><c>POST /billing/invoices/invoice</c>: the customer's pending lines due as of <c>asOf</c> become drafts, then move on.</summary>
    public async Task<IReadOnlyList<Invoice>> InvoiceNowAsync(InvoiceNowInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = repository.Current;
        var now = Now();
        var customer = (input.CustomerId is { } id ? CustomerLookup.Find(state, id) : null)
            ?? throw new BillingValidationException("customerId", input.CustomerId is null ? "is required" : $"customer \"{input.CustomerId}\" not found");
        var asOf = input.AsOf is { } given ? BillingRepository.Truncate(given) : now;
        if (asOf > now)
        {
            throw new BillingValidationException("asOf", "must not be in the future");
        }

        var progressive = input.ProgressiveBillingOverride ?? Profiles.BillingProfiles.For(state, customer.Id)?.Workflow.Invoicing.ProgressiveBilling ?? false;
        var lineIds = input.Filters?.LineIds is { } ids ? ids.ToHashSet(StringComparer.Ordinal) : null;
        var drafts = await collector.CollectAsync(customer, asOf, progressive, lineIds, cancellationToken);
        if (drafts.Count == 0)
        {
            throw new BillingValidationException(lineIds is null ? "customerId" : "filters.lineIds", "there is nothing to invoice as of " + asOf.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        await ProgressAsync([.. drafts.Select(d => d.Id)], cancellationToken);
        var after = repository.Current;
        return [.. drafts.Select(d => after.Find(Invoice.Kind, d.Id)!)];
    }

    /// <summary>
    /// Runs every move that is due for <paramref name="ids"/> (null: every invoice): app calls for new drafts and for
    /// issuing, drafts whose review period is over, issued invoices past due. Repeats until nothing moves.
    /// </summary>
    public async Task ProgressAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        for (var round = 0; round < 8; round++)
        {
            var now = Now();
            var state = repository.Current;
            var candidates = ids is null
                ? state.All(Invoice.Kind).Where(i => !i.IsDeleted && i.Status is not InvoiceStatus.Gathering)
                : ids.Select(id => state.Find(Invoice.Kind, id)).OfType<Invoice>();
            // Oldest first: invoices issued in the same change take their numbers in the order they were drafted, and
            // drafts made in the same change (a bill run's batch) by customer, then currency.
            var pending = candidates.Where(i => NeedsMove(i, now))
                .OrderBy(i => i.CreatedAt)
                .ThenBy(i => i.CustomerId, StringComparer.Ordinal)
                .ThenBy(i => i.Currency, StringComparer.Ordinal)
                .ThenBy(i => i.Id, StringComparer.Ordinal)
                .ToList();
            if (pending.Count == 0)
            {
                return;
            }

            // App calls first, outside the lock; their outcomes are applied in one change below.
            var outcomes = new Dictionary<string, AppOutcome>(StringComparer.Ordinal);
            foreach (var invoice in pending.Where(i => i.ExtendedStatus is InvoiceSteps.DraftCreated or InvoiceSteps.IssuingPending))
            {
                outcomes[invoice.Id] = await CallAppAsync(state, invoice, cancellationToken);
            }

            await repository.ChangeAsync(change =>
            {
                foreach (var invoice in pending)
                {
                    if (change.State.Find(Invoice.Kind, invoice.Id) is { } current && current.ExtendedStatus == invoice.ExtendedStatus)
                    {
                        Move(change, current, outcomes.GetValueOrDefault(current.Id));
                    }
                }

                return 0;
            }, cancellationToken);
        }
    }

    /// <summary><c>advance</c>: a draft waiting for auto-approval is issued now.</summary>
    public Task<Invoice> AdvanceAsync(string id, CancellationToken cancellationToken) =>
        ActAsync(id, "advance", [InvoiceSteps.DraftWaitingAutoApproval], (change, invoice) => StartIssuing(change, invoice), cancellationToken);

    /// <summary><c>approve</c>: a draft that needs manual approval is issued.</summary>
    public Task<Invoice> ApproveAsync(string id, CancellationToken cancellationToken) =>
        ActAsync(id, "approve", [InvoiceSteps.DraftManualApprovalNeeded], (change, invoice) => StartIssuing(change, invoice), cancellationToken);

    /// <summary><c>retry</c>: a failed step runs again.</summary>
    public Task<Invoice> RetryAsync(string id, CancellationToken cancellationToken) =>
        ActAsync(id, "retry", [InvoiceSteps.DraftInvalid, InvoiceSteps.IssuingFailed], (change, invoice) => change.Put(Invoice.Kind, invoice with
        {
            ExtendedStatus = invoice.ExtendedStatus == InvoiceSteps.DraftInvalid ? InvoiceSteps.DraftCreated : InvoiceSteps.IssuingPending,
            ValidationIssues = null,
            UpdatedAt = change.Now,
        }), cancellationToken);

    /// <summary><c>void</c>: an issued invoice is canceled; what it billed stays billed (it is forgiven, not billed again).</summary>
    public Task<Invoice> VoidAsync(string id, CancellationToken cancellationToken) =>
        ActAsync(
            id,
            "void",
            [InvoiceSteps.PaymentPending, InvoiceSteps.PaymentFailed, InvoiceSteps.PaymentActionRequired, InvoiceSteps.Overdue, InvoiceSteps.Paid, InvoiceSteps.Uncollectible],
            (change, invoice) => Step(change, invoice, InvoiceSteps.Voided) with { VoidedAt = change.Now },
            cancellationToken);

    /// <summary><c>DELETE</c>: a draft is dropped; its lines are pending again (manual ones back on the gathering invoice).</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken) =>
        await ActAsync(
            id,
            "delete",
            [InvoiceSteps.DraftCreated, InvoiceSteps.DraftSyncing, InvoiceSteps.DraftInvalid, InvoiceSteps.DraftWaitingAutoApproval, InvoiceSteps.DraftManualApprovalNeeded],
            (change, invoice) =>
            {
                var manual = (invoice.Lines ?? []).Where(l => l.ManagedBy == "manual").ToList();
                if (manual.Count > 0 && InvoiceLookup.Of(change.State).Gathering(invoice.CustomerId, invoice.Currency) is { } gathering)
                {
                    change.Put(Invoice.Kind, gathering with
                    {
                        Lines = [.. gathering.Lines ?? [], .. manual.Select(l => l with { Invoice = new InvoiceReference(gathering.Id, gathering.Number) })],
                        UpdatedAt = change.Now,
                    });
                }

                return change.Put(Invoice.Kind, invoice with { DeletedAt = change.Now, UpdatedAt = change.Now });
            },
            cancellationToken);

    /// <summary>
    /// <c>snapshot-quantities</c>: a draft's usage is read again as of its collection, so events that arrived since are
    /// on it; its lines keep their ids.
    /// </summary>
    public async Task<Invoice> SnapshotQuantitiesAsync(string id, CancellationToken cancellationToken)
    {
        var state = repository.Current;
        var invoice = Require(state, id);
        RequireStep(invoice, "snapshot-quantities", InvoiceSteps.DraftWaitingAutoApproval, InvoiceSteps.DraftManualApprovalNeeded, InvoiceSteps.DraftInvalid);
        var customer = state.Find(Customer.Kind, invoice.CustomerId)
            ?? throw new BillingNotFoundException($"customer \"{invoice.CustomerId}\" not found");
        var now = Now();

        // Priced as if this draft did not exist: the ledger then says what earlier invoices billed, as when it was made.
        var without = state.With(Invoice.Kind.Name, invoice.Id, null, state.Version);
        var ids = (invoice.Lines ?? []).Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        var asOf = invoice.CollectionAt ?? invoice.CreatedAt;
        var fresh = await builder.BuildAsync(without, customer, invoice.Currency, invoice.Workflow.Workflow, new LineSelection { AsOf = asOf, Progressive = true, LineIds = ids }, now, cancellationToken);
        var byId = fresh.ToDictionary(l => l.Id, StringComparer.Ordinal);
        var lines = new List<InvoiceLine>();
        foreach (var line in invoice.Lines ?? [])
        {
            lines.Add(byId.TryGetValue(line.Id, out var priced)
                ? priced
                : line.ManagedBy == "manual" ? await builder.PendingLineAsync(without, customer, line, Currencies.Require("currency", invoice.Currency), now, cancellationToken) : line);
        }

        return await ActAsync(
            id,
            "snapshot-quantities",
            [invoice.ExtendedStatus!],
            (change, current) => InvoiceService.WithLines(current with { QuantitySnapshotedAt = change.Now, UpdatedAt = change.Now }, lines, current.Id, current.Number),
            cancellationToken);
    }

    /// <summary>The custom invoicing app says the draft is synced: it moves on as if the app had answered at once.</summary>
    public Task<Invoice> DraftSynchronizedAsync(string id, DraftSynchronizedInput input, CancellationToken cancellationToken) =>
        ActAsync(id, "draft/synchronized", [InvoiceSteps.DraftSyncing], (change, invoice) =>
        {
            var synced = invoice with { ExternalIds = (invoice.ExternalIds ?? new()) with { Invoicing = input.Invoicing?.ExternalId ?? invoice.ExternalIds?.Invoicing } };
            return AfterDraftSynced(change, synced);
        }, cancellationToken);

    /// <summary>The custom invoicing app says the invoice is finalized: it is issued and waits for payment.</summary>
    public Task<Invoice> IssuingSynchronizedAsync(string id, IssuingSynchronizedInput input, CancellationToken cancellationToken) =>
        ActAsync(id, "issuing/synchronized", [InvoiceSteps.IssuingSyncing], (change, invoice) => Step(change, invoice with
        {
            Number = input.Invoicing?.InvoiceNumber ?? invoice.Number,
            SentToCustomerAt = input.Invoicing?.SentToCustomerAt is { } sent ? BillingRepository.Truncate(sent) : invoice.SentToCustomerAt,
            ExternalIds = (invoice.ExternalIds ?? new()) with { Payment = input.Payment?.ExternalId ?? invoice.ExternalIds?.Payment },
        }, InvoiceSteps.PaymentPending), cancellationToken);

    /// <summary>A payment app reports on payment (custom invoicing's hook; later Stripe's webhooks).</summary>
    public Task<Invoice> PaymentStatusAsync(string id, string? trigger, CancellationToken cancellationToken)
    {
        var (to, from) = trigger switch
        {
            "paid" => (InvoiceSteps.Paid, new[] { InvoiceSteps.PaymentPending, InvoiceSteps.PaymentFailed, InvoiceSteps.PaymentActionRequired, InvoiceSteps.Overdue, InvoiceSteps.Uncollectible }),
            "payment_failed" => (InvoiceSteps.PaymentFailed, new[] { InvoiceSteps.PaymentPending, InvoiceSteps.PaymentActionRequired }),
            "payment_uncollectible" => (InvoiceSteps.Uncollectible, new[] { InvoiceSteps.PaymentPending, InvoiceSteps.PaymentFailed, InvoiceSteps.PaymentActionRequired, InvoiceSteps.Overdue }),
            "payment_overdue" => (InvoiceSteps.Overdue, new[] { InvoiceSteps.PaymentPending, InvoiceSteps.PaymentFailed, InvoiceSteps.PaymentActionRequired }),
            "action_required" => (InvoiceSteps.PaymentActionRequired, new[] { InvoiceSteps.PaymentPending, InvoiceSteps.PaymentFailed }),
            "void" => (InvoiceSteps.Voided, new[] { InvoiceSteps.PaymentPending, InvoiceSteps.PaymentFailed, InvoiceSteps.PaymentActionRequired, InvoiceSteps.Overdue, InvoiceSteps.Uncollectible }),
            null => throw new BillingValidationException("trigger", "is required"),
            _ => throw new BillingValidationException("trigger", $"\"{trigger}\" is not one of paid, payment_failed, payment_uncollectible, payment_overdue, action_required, void"),
        };
        return ActAsync(id, $"payment status {trigger}", from, (change, invoice) => Step(change, invoice, to) with
        {
            PaidAt = to == InvoiceSteps.Paid ? change.Now : invoice.PaidAt,
            VoidedAt = to == InvoiceSteps.Voided ? change.Now : invoice.VoidedAt,
        }, cancellationToken);
    }

    private static bool NeedsMove(Invoice invoice, DateTimeOffset now) => invoice.ExtendedStatus switch
    {
        InvoiceSteps.DraftCreated or InvoiceSteps.IssuingPending => true,
        InvoiceSteps.DraftWaitingAutoApproval => invoice.DraftUntil is not { } until || until <= now,
        InvoiceSteps.PaymentPending => invoice.DueAt is { } due && due <= now && invoice.Workflow.Workflow.Payment.CollectionMethod == "send_invoice",
        _ => false,
    };

    /// <summary>One due move of <paramref name="invoice"/>, with the app's answer when the step called one.</summary>
    private static void Move(BillingChange change, Invoice invoice, AppOutcome? outcome)
    {
        switch (invoice.ExtendedStatus)
        {
            case InvoiceSteps.DraftCreated when outcome is { Step: AppStep.Failed }:
                change.Put(Invoice.Kind, Failed(change, invoice, InvoiceSteps.DraftInvalid, outcome));
                break;
            case InvoiceSteps.DraftCreated when outcome is { Step: AppStep.AwaitingSync }:
                change.Put(Invoice.Kind, Step(change, invoice, InvoiceSteps.DraftSyncing));
                break;
            case InvoiceSteps.DraftCreated:
                AfterDraftSynced(change, invoice with { ExternalIds = outcome?.ExternalId is { } external ? (invoice.ExternalIds ?? new()) with { Invoicing = external } : invoice.ExternalIds });
                break;
            case InvoiceSteps.DraftWaitingAutoApproval:
                StartIssuing(change, invoice);
                break;
            case InvoiceSteps.IssuingPending when outcome is { Step: AppStep.Failed }:
                change.Put(Invoice.Kind, Failed(change, invoice, InvoiceSteps.IssuingFailed, outcome));
                break;
            case InvoiceSteps.IssuingPending:
                var issued = invoice with
                {
                    Number = outcome?.Number ?? invoice.Number,
                    ExternalIds = outcome?.ExternalId is { } id ? (invoice.ExternalIds ?? new()) with { Invoicing = id } : invoice.ExternalIds,
                };
                var step = outcome?.Step switch
                {
                    AppStep.Paid => InvoiceSteps.Paid,
                    AppStep.AwaitingSync => InvoiceSteps.IssuingSyncing,
                    _ => InvoiceSteps.PaymentPending,
                };
                change.Put(Invoice.Kind, Step(change, issued, step) with { PaidAt = step == InvoiceSteps.Paid ? change.Now : null });
                break;
            case InvoiceSteps.PaymentPending:
                change.Put(Invoice.Kind, Step(change, invoice, InvoiceSteps.Overdue));
                break;
            default:
                break;
        }
    }

    /// <summary>A synced draft waits for its review period (auto-advance) or for approval.</summary>
    private static Invoice AfterDraftSynced(BillingChange change, Invoice invoice)
    {
        var next = invoice.Workflow.Workflow.Invoicing.AutoAdvance ? InvoiceSteps.DraftWaitingAutoApproval : InvoiceSteps.DraftManualApprovalNeeded;
        return change.Put(Invoice.Kind, Step(change, invoice, next) with { ValidationIssues = null });
    }

    /// <summary>Issuing starts: the invoice takes its final number and due date, and the app is called next.</summary>
    private static Invoice StartIssuing(BillingChange change, Invoice invoice)
    {
        var number = InvoiceNumbers.Next(change, invoice.Workflow.SourceBillingProfileId);
        var dueAfter = IsoDuration.Parse("workflow.invoicing.dueAfter", invoice.Workflow.Workflow.Invoicing.DueAfter);
        var issued = invoice with
        {
            Number = number,
            IssuedAt = change.Now,
            DueAt = dueAfter.AddTo(change.Now),
            Lines = [.. (invoice.Lines ?? []).Select(l => l with { Invoice = new InvoiceReference(invoice.Id, number) })],
        };
        return change.Put(Invoice.Kind, Step(change, issued, InvoiceSteps.IssuingPending));
    }

    private static Invoice Step(BillingChange change, Invoice invoice, string step) =>
        invoice with { ExtendedStatus = step, Status = InvoiceSteps.StatusOf(step), UpdatedAt = change.Now };

    private static Invoice Failed(BillingChange change, Invoice invoice, string step, AppOutcome outcome) => Step(change, invoice, step) with
    {
        ValidationIssues = [.. outcome.Issues.Select((message, index) => new InvoiceValidationIssue
        {
            Id = Charges.DeterministicId.Of(change.Now, $"{invoice.Id}/issue/{step}/{index}/{change.Now.UtcTicks}"),
            CreatedAt = change.Now,
            UpdatedAt = change.Now,
            Component = invoice.Workflow.Apps is null ? "openmeter" : "app",
            Message = message,
        })],
    };

    private async Task<AppOutcome> CallAppAsync(BillingState state, Invoice invoice, CancellationToken cancellationToken)
    {
        var appId = invoice.Workflow.Apps?.Invoicing.Id;
        var installed = appId is null ? null : state.Find(InstalledApp.Kind, appId);
        if (installed is null || installed.IsDeleted || !apps.Types.Contains(installed.Type))
        {
            return new AppOutcome(AppStep.Failed) { Issues = [$"the invoicing app \"{appId}\" of the invoice's billing profile is not installed"] };
        }

        var app = apps.For(installed);
        try
        {
            return invoice.ExtendedStatus == InvoiceSteps.DraftCreated
                ? await app.SyncDraftAsync(installed, invoice, cancellationToken)
                : await app.IssueAsync(installed, invoice, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogAppFailed(logger, exception, invoice.Id, installed.Type);
            return new AppOutcome(AppStep.Failed) { Issues = [$"the {installed.Type} app failed: {exception.Message}"] };
        }
    }

    private async Task<Invoice> ActAsync(
        string id, string action, IReadOnlyCollection<string> from, Func<BillingChange, Invoice, Invoice> act, CancellationToken cancellationToken)
    {
        var acted = await repository.ChangeAsync(change =>
        {
            var invoice = Require(change.State, id);
            RequireStep(invoice, action, [.. from]);
            return change.Put(Invoice.Kind, act(change, invoice));
        }, cancellationToken);
        await ProgressAsync([acted.Id], cancellationToken);
        return repository.Current.Find(Invoice.Kind, acted.Id) ?? acted;
    }

    private static Invoice Require(BillingState state, string id) =>
        state.Find(Invoice.Kind, id) is { IsDeleted: false } invoice ? invoice : throw new BillingNotFoundException($"invoice \"{id}\" not found");

    private static void RequireStep(Invoice invoice, string action, params string[] steps)
    {
        if (!steps.Contains(invoice.ExtendedStatus ?? InvoiceSteps.Gathering, StringComparer.Ordinal))
        {
            throw new BillingValidationException("status", $"the invoice is {invoice.ExtendedStatus}; {action} is possible only when it is {string.Join(" or ", steps)}");
        }
    }

    private DateTimeOffset Now() => BillingRepository.Truncate(repository.Time.GetUtcNow());

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "The {AppType} app failed on invoice {InvoiceId}; the invoice is marked failed and can be retried")]
    private static partial void LogAppFailed(ILogger logger, Exception exception, string invoiceId, string appType);
}
