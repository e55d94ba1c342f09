using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Invoices.Charges;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>Which lines to make: a preview of everything started, or the lines due for a new invoice.</summary>
public sealed record LineSelection
{
    /// <summary>The moment the lines are made as of: usage is counted up to it.</summary>
    public required DateTimeOffset AsOf { get; init; }

    /// <summary>True: the gathering invoice's view (every started period, usage so far). False: only what is due.</summary>
    public bool Preview { get; init; }

    /// <summary>Collecting: also bill usage of periods still running, up to <see cref="AsOf"/>.</summary>
    public bool Progressive { get; init; }

    /// <summary>Collecting: only these lines (ids as the gathering invoice shows them); null: every due line.</summary>
    public IReadOnlySet<string>? LineIds { get; init; }

    /// <summary>Usage shared with other customers collected together (a bill run's batch); null: read per customer.</summary>
    public UsageBatch? Usage { get; init; }

    /// <summary>
    /// Collecting for the bill run: a line is due once its own collection time (its invoice time plus the workflow's
    /// collection interval) has passed, so events arriving within the interval are still on it even when another,
    /// earlier line is what made the customer due. False ("invoice now"): every line invoiced by <see cref="AsOf"/>.
    /// </summary>
    public bool Scheduled { get; init; }

    /// <summary>Whether a line invoiced at <paramref name="invoiceAt"/> is due for a new invoice.</summary>
    public bool Due(DateTimeOffset invoiceAt, BillingWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        return (Scheduled ? workflow.Collection.CollectionAt(invoiceAt) : invoiceAt) <= AsOf;
    }
}

/// <summary>
/// Makes a customer's invoice lines in one currency from their subscriptions and pending lines, as of a moment: each
/// charge priced cumulatively (<see cref="LinePricing"/>) against what the <see cref="ChargeLedger"/> says is billed.
/// The gathering invoice's preview and a new invoice run the same code on the same data, so they agree.
/// Reads usage (async); decides nothing: the caller stores lines inside a change that checks the ledger again.
/// </summary>
public sealed class InvoiceLineBuilder(UsageQuantities usage)
{
    /// <summary>
    /// How far back already billed periods are checked for usage that arrived after their invoice (late events):
    /// periods that ended within this window before the new invoice. Older late events are not billed.
    /// </summary>
    public static readonly TimeSpan LateUsageWindow = TimeSpan.FromDays(90);

    public async Task<List<InvoiceLine>> BuildAsync(
        BillingState state, Customer customer, string currency, BillingWorkflow workflow, LineSelection selection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(selection);
        var money = Currencies.Require("currency", currency);
        var ledger = ChargeLedger.Of(state);
        var lines = new List<InvoiceLine>();
        foreach (var subscription in SubscriptionService.OfCustomer(state, customer.Id))
        {
            if (subscription.Currency != currency || subscription.SettlementMode == SettlementMode.CreditOnly)
            {
                continue;
            }

            foreach (var charge in ChargePlanner.Charges(subscription, selection.AsOf))
            {
                if (await ChargeLineAsync(state, customer, charge, ledger.Billed(charge.Id), money, workflow, selection, now, cancellationToken) is { } line
                    && (selection.LineIds is null || selection.LineIds.Contains(line.Id)))
                {
                    lines.Add(line);
                }
            }
        }

        foreach (var pending in InvoiceLookup.Of(state).Gathering(customer.Id, currency)?.Lines ?? [])
        {
            var due = selection.Preview || (selection.LineIds?.Contains(pending.Id) ?? selection.Due(pending.InvoiceAt, workflow));
            if (due && pending.DeletedAt is null)
            {
                lines.Add(await PendingLineAsync(state, customer, pending, money, now, cancellationToken));
            }
        }

        lines.Sort((a, b) => (a.Period.From, a.Name, a.Id).CompareTo((b.Period.From, b.Name, b.Id)));
        return lines;
    }

    private async Task<InvoiceLine?> ChargeLineAsync(
        BillingState state, Customer customer, Charge charge, BilledCharge billed, Currency currency, BillingWorkflow workflow,
        LineSelection selection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var service = charge.ServicePeriod;
        var fullyBilled = billed.Lines > 0 && billed.BilledThrough >= service.To;
        DateTimeOffset through;
        if (fullyBilled)
        {
            // Billed already: only a change since (late usage, a shortened period) makes an adjustment line.
            if (service.To < selection.AsOf - LateUsageWindow)
            {
                return null;
            }

            through = service.To;
        }
        else if (!charge.IsUsage)
        {
            if (!(selection.Preview ? service.From <= selection.AsOf : selection.Due(charge.InvoiceAt, workflow)))
            {
                return null;
            }

            through = service.To;
        }
        else
        {
            var includes = selection.Preview || selection.Progressive
                ? service.From < selection.AsOf || (service.From == selection.AsOf && service.To == selection.AsOf)
                : selection.Due(charge.InvoiceAt, workflow);
            if (!includes)
            {
                return null;
            }

            through = service.To <= selection.AsOf ? service.To : selection.AsOf;
            if (billed.Lines > 0 && through <= billed.BilledThrough)
            {
                return null;
            }
        }

        var metered = charge.IsUsage
            ? await usage.QuantityAsync(state, customer, charge.Item.FeatureKey ?? "", service.From, through, "featureKey", cancellationToken, selection.Usage)
            : 1m;
        var price = charge.Price is FlatPrice flat ? flat with { Amount = flat.Amount * ProrationFactor(charge, workflow) } : charge.Price;
        var period = fullyBilled ? service : new BillingPeriod(billed.Lines > 0 ? billed.BilledThrough : service.From, through);
        var lineId = DeterministicId.Of(period.From, $"line/{charge.Id}/{billed.Lines}");
        var invoiceAt = fullyBilled ? selection.AsOf : charge.InvoiceAt;
        var priced = LinePricing.Price(lineId, charge.Item.Name, price, charge.Item.Discounts, metered, billed, through >= service.To, currency, period, invoiceAt, now);
        // Nothing changed since it was billed: no late usage and no difference in price. A flat fee's metered
        // quantity is always 1, so for it the price alone tells.
        if (fullyBilled && priced.Totals.Total == 0m && (priced.MeteredQuantity == 0m || !charge.IsUsage))
        {
            return null;
        }

        var item = charge.Item;
        return new InvoiceLine
        {
            Id = lineId,
            Name = fullyBilled ? (charge.IsUsage ? $"Late usage: {item.Name}" : $"Adjustment: {item.Name}") : item.Name,
            Description = fullyBilled
                ? $"{(charge.IsUsage ? "usage that arrived" : "a change made")} after the period {Day(service.From)} – {Day(service.To)} was invoiced"
                : item.Description,
            CreatedAt = now,
            UpdatedAt = now,
            ManagedBy = fullyBilled ? "system" : "subscription",
            Currency = currency.Code,
            Period = period,
            InvoiceAt = invoiceAt,
            RateCard = new InvoiceLineRateCard { FeatureKey = item.FeatureKey, Price = charge.Price, TaxConfig = item.TaxConfig, Discounts = item.Discounts },
            FeatureKey = item.FeatureKey,
            Price = charge.Price,
            Quantity = priced.Quantity,
            MeteredQuantity = priced.MeteredQuantity,
            PreLinePeriodQuantity = priced.PreLinePeriodQuantity,
            MeteredPreLinePeriodQuantity = priced.MeteredPreLinePeriodQuantity,
            Children = priced.Children,
            Discounts = priced.Discounts,
            Totals = priced.Totals,
            TaxConfig = item.TaxConfig,
            Subscription = new InvoiceLineSubscriptionReference(
                new IdReference(charge.Subscription.Id), new IdReference(charge.Phase.Id), new IdReference(item.Id), charge.BillingPeriod),
            ChargeId = charge.Id,
        };
    }

    /// <summary>A pending (manual) line priced as of now: its own period's usage, or its flat price once.</summary>
    internal async Task<InvoiceLine> PendingLineAsync(BillingState state, Customer customer, InvoiceLine pending, Currency currency, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var price = pending.RateCard?.Price ?? pending.Price
            ?? throw new BillingValidationException("rateCard.price", "a pending line needs a price");
        var featureKey = pending.RateCard?.FeatureKey ?? pending.FeatureKey;
        var metered = price is FlatPrice
            ? 1m
            : await usage.QuantityAsync(state, customer, featureKey ?? "", pending.Period.From, pending.Period.To, "rateCard.featureKey", cancellationToken);
        var priced = LinePricing.Price(pending.Id, pending.Name, price, pending.RateCard?.Discounts, metered, BilledCharge.None, true, currency, pending.Period, pending.InvoiceAt, now);
        return pending with
        {
            Quantity = priced.Quantity,
            MeteredQuantity = priced.MeteredQuantity,
            PreLinePeriodQuantity = priced.PreLinePeriodQuantity,
            MeteredPreLinePeriodQuantity = priced.MeteredPreLinePeriodQuantity,
            Children = priced.Children,
            Discounts = priced.Discounts,
            Totals = priced.Totals,
            ChargeId = pending.Id,
        };
    }

    /// <summary>What <paramref name="charge"/>'s flat fee costs now in all (prorated, after its discounts), as its lines bill it.</summary>
    internal static decimal FlatTotal(Charge charge, FlatPrice flat, BillingWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(charge);
        ArgumentNullException.ThrowIfNull(flat);
        var prorated = flat with { Amount = flat.Amount * ProrationFactor(charge, workflow) };
        return Pricing.PriceCalculator.Calculate(charge.Item.Name, prorated, 1m, Currencies.Require("currency", charge.Subscription.Currency), charge.Item.Discounts).Total;
    }

    /// <summary>
    /// The share of a flat fee a shortened service period pays: its length over the billing period's, when the
    /// subscription prorates; a period shortened by the subscription's end pays in full under <c>bill_full_period</c>.
    /// One-time fees are never prorated.
    /// </summary>
    internal static decimal ProrationFactor(Charge charge, BillingWorkflow workflow)
    {
        var full = charge.BillingPeriod;
        var service = charge.ServicePeriod;
        if (!charge.Subscription.ProRatingConfig.Enabled || charge.Item.BillingCadence is null || service == full)
        {
            return 1m;
        }

        var startsLate = service.From > full.From;
        if (!startsLate && workflow.Invoicing.SubscriptionEndProrationMode == "bill_full_period")
        {
            return 1m;
        }

        return (decimal)(service.To - service.From).Ticks / (full.To - full.From).Ticks;
    }

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
