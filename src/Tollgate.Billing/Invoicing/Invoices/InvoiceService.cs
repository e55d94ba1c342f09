using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Invoices.Charges;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>
/// Reading invoices, the gathering invoice's up-to-date preview, pending lines and simulations. A customer's gathering
/// invoice in a currency has a fixed id; it is stored once pending lines are added, and until then answered from the
/// customer's subscriptions alone.
/// </summary>
public sealed class InvoiceService(BillingRepository repository, InvoiceLineBuilder builder)
{
    public BillingRepository Repository => repository;

    /// <summary>An invoice as answered: status details filled, lines (computed for a gathering invoice) when asked for.</summary>
    public async Task<Invoice> AnswerAsync(BillingState state, Invoice invoice, bool expandLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(invoice);
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        if (invoice.Status == InvoiceStatus.Gathering)
        {
            invoice = await PreviewAsync(state, invoice, now, cancellationToken);
        }

        return invoice with
        {
            StatusDetails = InvoiceSteps.Details(invoice),
            ExtendedStatus = null,
            Lines = expandLines ? [.. (invoice.Lines ?? []).Select(l => l with { ChargeId = null })] : null,
        };
    }

    /// <summary>A gathering invoice with its lines as of <paramref name="now"/>: everything started and not billed, usage so far.</summary>
    public async Task<Invoice> PreviewAsync(BillingState state, Invoice gathering, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(gathering);
        var customer = state.Find(Customer.Kind, gathering.CustomerId)
            ?? throw new BillingNotFoundException($"customer \"{gathering.CustomerId}\" not found");
        var lines = await builder.BuildAsync(state, customer, gathering.Currency, gathering.Workflow.Workflow, new LineSelection { AsOf = now, Preview = true }, now, cancellationToken);
        return WithLines(gathering, lines, gathering.Id, gathering.Number);
    }

    /// <summary>The invoice by id: stored, or a customer's gathering invoice not stored yet.</summary>
    public static Invoice? Find(BillingState state, string id, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Find(Invoice.Kind, id) is { } stored)
        {
            return stored;
        }

        return state.All(Customer.Kind)
            .Where(c => !c.IsDeleted)
            .SelectMany(c => GatheringInvoices(state, c, now))
            .FirstOrDefault(i => i.Id == id);
    }

    /// <summary>A customer's live invoices, the gathering ones (stored or not) included.</summary>
    public static IEnumerable<Invoice> OfCustomer(BillingState state, Customer customer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customer);
        var stored = InvoiceLookup.Of(state).OfCustomer(customer.Id);
        return stored.Where(i => i.Status != InvoiceStatus.Gathering).Concat(GatheringInvoices(state, customer, now));
    }

    /// <summary>
    /// The customer's gathering invoices: one per currency of a live subscription or of stored pending lines. Without a
    /// billing profile there is nothing to gather with, so none.
    /// </summary>
    public static IEnumerable<Invoice> GatheringInvoices(BillingState state, Customer customer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customer);
        var lookup = InvoiceLookup.Of(state);
        var currencies = SubscriptionService.OfCustomer(state, customer.Id)
            .Where(s => s.IsLiveAt(now) || s.ActiveTo is { } to && to > now - InvoiceLineBuilder.LateUsageWindow)
            .Select(s => s.Currency)
            .Concat(lookup.OfCustomer(customer.Id).Where(i => i.Status == InvoiceStatus.Gathering && i.Lines is { Count: > 0 }).Select(i => i.Currency))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var currency in currencies)
        {
            if (lookup.Gathering(customer.Id, currency) is { } stored)
            {
                yield return stored;
            }
            else if (BillingProfiles.For(state, customer.Id) is { } profile)
            {
                yield return NewGathering(customer, currency, profile, customer.CreatedAt);
            }
        }
    }

    /// <summary>Adds one-off or usage lines to the customer's gathering invoice (stored from now on).</summary>
    public async Task<PendingLinesResult> AddPendingLinesAsync(string customerIdOrKey, PendingLinesInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var currency = Currencies.Require("currency", input.Currency);
        if (input.Lines is not { Count: > 0 } inputs)
        {
            throw new BillingValidationException("lines", "at least one line is required");
        }

        var (invoice, lines, isNew) = await repository.ChangeAsync(change =>
        {
            var customer = CustomerLookup.Find(change.State, customerIdOrKey)
                ?? throw new BillingNotFoundException($"customer \"{customerIdOrKey}\" not found");
            var profile = BillingProfiles.For(change.State, customer.Id)
                ?? throw new BillingConflictException("there is no default billing profile to invoice with");
            var stored = InvoiceLookup.Of(change.State).Gathering(customer.Id, currency.Code);
            var gathering = stored ?? NewGathering(customer, currency.Code, profile, customer.CreatedAt);
            var made = inputs.Select((line, index) => PendingLine(line, $"lines[{index}]", currency, gathering, change.Now)).ToList();
            gathering = gathering with { Lines = [.. gathering.Lines ?? [], .. made], UpdatedAt = change.Now };
            change.Put(Invoice.Kind, gathering);
            return (gathering, made, stored is null);
        }, cancellationToken);

        var state = repository.Current;
        var answer = await AnswerAsync(state, invoice, expandLines: true, cancellationToken);
        var ids = lines.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        return new PendingLinesResult([.. answer.Lines!.Where(l => ids.Contains(l.Id))], answer with { Lines = null }, isNew);
    }

    /// <summary>An invoice priced from given quantities (OpenMeter's simulate): nothing is read from meters and nothing stored.</summary>
    public Invoice Simulate(string customerIdOrKey, SimulationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = repository.Current;
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var customer = CustomerLookup.Find(state, customerIdOrKey)
            ?? throw new BillingNotFoundException($"customer \"{customerIdOrKey}\" not found");
        var profile = BillingProfiles.For(state, customer.Id)
            ?? throw new BillingConflictException("there is no default billing profile to invoice with");
        var currency = Currencies.Require("currency", input.Currency);
        if (input.Lines is not { } inputs)
        {
            throw new BillingValidationException("lines", "is required");
        }

        var id = Ulid.NewUlid().ToString();
        var lines = new List<InvoiceLine>(inputs.Count);
        for (var index = 0; index < inputs.Count; index++)
        {
            var line = inputs[index];
            var field = $"lines[{index}]";
            var pending = PendingLine(
                new PendingLineInput { Name = line.Name, Description = line.Description, Metadata = line.Metadata, TaxConfig = line.TaxConfig, Period = line.Period, InvoiceAt = line.InvoiceAt, Price = line.Price, FeatureKey = line.FeatureKey, RateCard = line.RateCard },
                field, currency, null, now) with
            { Id = line.Id ?? Ulid.NewUlid().ToString() };
            var price = pending.RateCard!.Price!;
            var quantity = price is FlatPrice ? 1m : line.Quantity ?? throw new BillingValidationException($"{field}.quantity", "is required");
            if (quantity < 0m)
            {
                throw new BillingValidationException($"{field}.quantity", "must not be negative");
            }

            var before = line.PreLinePeriodQuantity ?? 0m;
            var billedBefore = before > 0m
                ? new BilledCharge(pending.Period.From, before, Pricing.PriceCalculator.Calculate(pending.Name, price, before, currency, pending.RateCard.Discounts, periodComplete: false).Total, 1)
                : BilledCharge.None;
            var priced = LinePricing.Price(pending.Id, pending.Name, price, pending.RateCard.Discounts, before + quantity, billedBefore, true, currency, pending.Period, pending.InvoiceAt, now);
            lines.Add(pending with
            {
                Quantity = priced.Quantity,
                MeteredQuantity = priced.MeteredQuantity,
                PreLinePeriodQuantity = priced.PreLinePeriodQuantity,
                MeteredPreLinePeriodQuantity = priced.MeteredPreLinePeriodQuantity,
                Children = priced.Children,
                Discounts = priced.Discounts,
                Totals = priced.Totals,
            });
        }

        var invoice = new Invoice
        {
            Id = id,
            CreatedAt = now,
            UpdatedAt = now,
            Supplier = profile.Profile.Supplier,
            Customer = InvoiceCustomer.Of(customer),
            Number = input.Number ?? InvoiceNumbers.Draft(id),
            Currency = currency.Code,
            Status = InvoiceStatus.Draft,
            ExtendedStatus = InvoiceSteps.DraftCreated,
            Workflow = new InvoiceWorkflowSettings { SourceBillingProfileId = profile.Profile.Id, Workflow = profile.Workflow, Apps = profile.Profile.Apps },
        };
        var simulated = WithLines(invoice, lines, id, invoice.Number);
        return simulated with { StatusDetails = InvoiceSteps.Details(simulated), ExtendedStatus = null };
    }

    /// <summary><paramref name="invoice"/> holding <paramref name="lines"/>: lines point at it, totals and period are theirs.</summary>
    internal static Invoice WithLines(Invoice invoice, IReadOnlyList<InvoiceLine> lines, string id, string number) => invoice with
    {
        Lines = [.. lines.Select(l => l with { Invoice = new InvoiceReference(id, number) })],
        Totals = InvoiceTotals.Sum(lines.Select(l => l.Totals)),
        Period = lines.Count == 0 ? null : new BillingPeriod(lines.Min(l => l.Period.From), lines.Max(l => l.Period.To)),
    };

    private static Invoice NewGathering(Customer customer, string currency, ResolvedProfile profile, DateTimeOffset createdAt)
    {
        var id = DeterministicId.Of(createdAt, $"gathering/{customer.Id}/{currency}");
        return new Invoice
        {
            Id = id,
            CreatedAt = createdAt,
            UpdatedAt = createdAt,
            Supplier = profile.Profile.Supplier,
            Customer = InvoiceCustomer.Of(customer),
            Number = InvoiceNumbers.Gathering(id),
            Currency = currency,
            Status = InvoiceStatus.Gathering,
            ExtendedStatus = InvoiceSteps.Gathering,
            Workflow = new InvoiceWorkflowSettings { SourceBillingProfileId = profile.Profile.Id, Workflow = profile.Workflow, Apps = profile.Profile.Apps },
            Lines = [],
        };
    }

    /// <summary>A pending line from its input, validated; a usage line needs a feature, every line a period and a price.</summary>
    private static InvoiceLine PendingLine(PendingLineInput input, string field, Currency currency, Invoice? gathering, DateTimeOffset now)
    {
        var name = input.Name is { Length: > 0 and <= 256 } n ? n : throw new BillingValidationException($"{field}.name", "is required (1 to 256 characters)");
        var period = input.Period ?? throw new BillingValidationException($"{field}.period", "is required");
        if (period.To < period.From)
        {
            throw new BillingValidationException($"{field}.period.to", "must not be before period.from");
        }

        var invoiceAt = input.InvoiceAt ?? throw new BillingValidationException($"{field}.invoiceAt", "is required");
        var price = input.RateCard?.Price ?? input.Price ?? throw new BillingValidationException($"{field}.rateCard.price", "is required");
        var featureKey = input.RateCard?.FeatureKey ?? input.FeatureKey;
        if (price is not FlatPrice && featureKey is null)
        {
            throw new BillingValidationException($"{field}.rateCard.featureKey", "a usage-based price needs the feature whose usage it prices");
        }

        var id = Ulid.NewUlid().ToString();
        return new InvoiceLine
        {
            Id = id,
            Name = name,
            Description = input.Description,
            Metadata = input.Metadata,
            CreatedAt = now,
            UpdatedAt = now,
            ManagedBy = "manual",
            Currency = currency.Code,
            Period = new BillingPeriod(BillingRepository.Truncate(period.From), BillingRepository.Truncate(period.To)),
            InvoiceAt = BillingRepository.Truncate(invoiceAt),
            RateCard = new InvoiceLineRateCard { FeatureKey = featureKey, Price = price, TaxConfig = input.RateCard?.TaxConfig ?? input.TaxConfig, Discounts = input.RateCard?.Discounts },
            FeatureKey = featureKey,
            Price = price,
            TaxConfig = input.TaxConfig,
            Invoice = gathering is null ? null : new InvoiceReference(gathering.Id, gathering.Number),
            ChargeId = id,
        };
    }
}
