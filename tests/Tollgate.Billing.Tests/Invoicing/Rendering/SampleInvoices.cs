using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Tests.Invoicing.Rendering;

/// <summary>Hand-built invoices as the invoicing service stores them: every figure already rounded to the currency.</summary>
internal static class SampleInvoices
{
    public static readonly DateTimeOffset Created = new(2026, 11, 1, 0, 5, 0, TimeSpan.Zero);

    // October 2026, UTC; the end is exclusive as OpenMeter's periods are.
    public static readonly BillingPeriod October = new(new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// A USD invoice: 123456 tokens at 0.00002 (2.47), and 6000 API calls on graduated tiers (1000 at 0.01 = 10.00,
    /// 5000 at 0.005 = 25.00) with 10 % off each tier (1.00, 2.50). Amount 37.47, discounts 3.50, total 33.97.
    /// </summary>
    public static Invoice Usd()
    {
        var tokens = Line("line-tokens", "AI tokens", 123456m, new UnitPrice { Amount = 0.00002m }, "USD", Totals(2.47m)) with
        {
            Description = "gpt-4o input and output tokens",
            Children = [Detail("detail-tokens", "ai-token: usage in period", 123456m, 0.00002m, "USD", Totals(2.47m))],
        };
        var tiered = new TieredPrice
        {
            Mode = TieredPriceMode.Graduated,
            Tiers = [new PriceTier { UpToAmount = 1000m, UnitPrice = new TierUnitPrice { Amount = 0.01m } }, new PriceTier { UnitPrice = new TierUnitPrice { Amount = 0.005m } }],
        };
        var calls = Line("line-calls", "API calls", 6000m, tiered, "USD", Totals(35m, discounts: 3.5m)) with
        {
            Children =
            [
                Detail("detail-tier-1", "api: usage price for tier 1 (above 0 up to 1000)", 1000m, 0.01m, "USD", Totals(10m, discounts: 1m)) with
                {
                    Discounts = new InvoiceLineDiscounts { Amount = [Discount("discount-1", "ratecard_percentage", 1m, description: "Launch offer: 10 % off")] },
                },
                Detail("detail-tier-2", "api: usage price for tier 2 (above 1000)", 5000m, 0.005m, "USD", Totals(25m, discounts: 2.5m)) with
                {
                    Discounts = new InvoiceLineDiscounts { Amount = [Discount("discount-2", "ratecard_percentage", 2.5m, description: "Launch offer: 10 % off")] },
                },
            ],
        };

        return Invoice("USD", InvoiceStatus.Issued, [tokens, calls], Totals(37.47m, discounts: 3.5m));
    }

    public static Invoice Invoice(string currency, InvoiceStatus status, IReadOnlyList<InvoiceLine>? lines, InvoiceTotals totals) => new()
    {
        Id = "01JDINVOICE0000000000000001",
        CreatedAt = Created,
        UpdatedAt = Created,
        Number = "INV-ACME-2026-0042",
        Currency = currency,
        Status = status,
        IssuedAt = status is InvoiceStatus.Gathering or InvoiceStatus.Draft ? null : new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero),
        DueAt = status is InvoiceStatus.Gathering or InvoiceStatus.Draft ? null : new DateTimeOffset(2026, 12, 2, 23, 59, 59, TimeSpan.Zero),
        Period = lines is { Count: > 0 } ? October : null,
        Supplier = new BillingParty
        {
            Name = "Tollgate Example Ltd",
            TaxId = new BillingPartyTaxIdentity { Code = "GB123456789" },
            Addresses = [new Address { Line1 = "1 Gateway Street", City = "London", PostalCode = "EC1A 1BB", Country = "GB" }],
        },
        Customer = new InvoiceCustomer
        {
            Id = "01JDCUSTOMER00000000000001",
            Key = "acme",
            Name = "ACME Corporation",
            Addresses = [new Address { Line1 = "500 Market Street", Line2 = "Suite 12", City = "San Francisco", State = "CA", PostalCode = "94105", Country = "US" }],
        },
        Workflow = new InvoiceWorkflowSettings { SourceBillingProfileId = "01JDPROFILE000000000000001", Workflow = new BillingWorkflow() },
        Lines = lines,
        Totals = totals,
    };

    public static InvoiceLine Line(string id, string name, decimal? quantity, Price? price, string currency, InvoiceTotals totals) => new()
    {
        Id = id,
        Name = name,
        CreatedAt = Created,
        UpdatedAt = Created,
        ManagedBy = "subscription",
        Currency = currency,
        Period = October,
        InvoiceAt = October.To,
        Quantity = quantity,
        RateCard = new InvoiceLineRateCard { Price = price },
        Totals = totals,
    };

    public static InvoiceDetailedLine Detail(string id, string name, decimal? quantity, decimal? perUnit, string currency, InvoiceTotals totals) => new()
    {
        Id = id,
        Name = name,
        CreatedAt = Created,
        UpdatedAt = Created,
        Currency = currency,
        Period = October,
        InvoiceAt = October.To,
        Quantity = quantity,
        PerUnitAmount = perUnit,
        Totals = totals,
    };

    public static InvoiceLineAmountDiscount Discount(string id, string reason, decimal amount, string? description = null) => new()
    {
        Id = id,
        CreatedAt = Created,
        UpdatedAt = Created,
        Reason = reason,
        Description = description,
        Amount = amount,
    };

    /// <summary>Totals the way OpenMeter sums them: total = amount - discounts + exclusive taxes.</summary>
    public static InvoiceTotals Totals(decimal amount, decimal discounts = 0m, decimal exclusiveTaxes = 0m) => new()
    {
        Amount = amount,
        ChargesTotal = 0m,
        DiscountsTotal = discounts,
        TaxesExclusiveTotal = exclusiveTaxes,
        TaxesTotal = exclusiveTaxes,
        Total = amount - discounts + exclusiveTaxes,
    };
}
