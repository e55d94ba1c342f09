namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>What the default billing profile created on the first start says; register another instance to change it.</summary>
public sealed record BillingProfileDefaults
{
    /// <summary>The supplier (the business issuing the invoices) on the default profile.</summary>
    public string SupplierName { get; init; } = "Tollgate";
}
