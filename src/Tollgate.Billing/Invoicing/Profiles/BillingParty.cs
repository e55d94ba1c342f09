using Tollgate.Billing.Customers;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>A person or business on an invoice (OpenMeter's <c>BillingParty</c>): the supplier, or the customer.</summary>
public sealed record BillingParty
{
    public string? Id { get; init; }

    public string? Key { get; init; }

    public string? Name { get; init; }

    public BillingPartyTaxIdentity? TaxId { get; init; }

    /// <summary>At most one address.</summary>
    public IReadOnlyList<Address>? Addresses { get; init; }
}

/// <summary>A party's tax identification code (e.g. a VAT number).</summary>
public sealed record BillingPartyTaxIdentity
{
    public string? Code { get; init; }
}
