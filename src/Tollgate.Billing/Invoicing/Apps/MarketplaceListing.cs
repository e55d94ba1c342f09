namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>An app that can be installed (OpenMeter's <c>MarketplaceListing</c>): what it is and what it can do.</summary>
public sealed record MarketplaceListing(string Type, string Name, string Description, IReadOnlyList<AppCapability> Capabilities, IReadOnlyList<string> InstallMethods);

/// <summary>One thing an app does for billing (OpenMeter's <c>AppCapability</c>); <see cref="Type"/> is an <c>AppCapabilityType</c>.</summary>
public sealed record AppCapability(string Type, string Key, string Name, string Description);

/// <summary>The marketplace: the listings OpenMeter has, with its capability keys and wording.</summary>
public static class Marketplace
{
    public const string Stripe = "stripe";

    private const string NoCredentialsRequired = "no_credentials_required";

    /// <summary>Every capability a billing profile needs an app for, in OpenMeter's order.</summary>
    public static IReadOnlyList<string> CapabilityTypes { get; } = ["calculateTax", "invoiceCustomers", "collectPayments"];

    public static MarketplaceListing SandboxListing { get; } = new(
        SandboxApp.AppType,
        "Sandbox",
        "Sandbox can be used to test OpenMeter without external connections.",
        [
            new("collectPayments", "sandbox_collect_payment", "Payment", "Process payments"),
            new("calculateTax", "sandbox_calculate_tax", "Calculate Tax", "Calculate tax for a payment"),
            new("invoiceCustomers", "sandbox_invoice_customer", "Invoice Customer", "Invoice a customer"),
        ],
        [NoCredentialsRequired]);

    public static MarketplaceListing CustomInvoicingListing { get; } = new(
        CustomInvoicingApp.AppType,
        "Custom Invoicing",
        "Custom Invoicing can be used to interface with third party invoicing and payment systems",
        [
            new("collectPayments", "custom_invoicing_collect_payment", "Payment", "Process payments"),
            new("calculateTax", "custom_invoicing_calculate_tax", "Calculate Tax", "Calculate tax for a payment"),
            new("invoiceCustomers", "custom_invoicing_invoice_customer", "Invoice Customer", "Invoice a customer"),
        ],
        [NoCredentialsRequired]);

    /// <summary>Listed so clients see it, as OpenMeter lists it; installing it is refused until the Stripe app exists.</summary>
    public static MarketplaceListing StripeListing { get; } = new(
        Stripe,
        "Stripe",
        "Stripe integration allows you to collect payments with Stripe.",
        [
            new("calculateTax", "stripe_calculate_tax", "Calculate Tax", "Stripe Tax calculates tax portion of the invoices."),
            new("invoiceCustomers", "stripe_invoice_customers", "Invoice Customers", "Stripe invoices customers with due amount."),
            new("collectPayments", "stripe_collect_payments", "Collect Payments", "Stripe payments collects outstanding revenue with Stripe customer's default payment method."),
        ],
        ["with_oauth2", "with_api_key"]);

    /// <summary>Every listing, in the order OpenMeter's <c>AppType</c> names them.</summary>
    public static IReadOnlyList<MarketplaceListing> All { get; } = [StripeListing, SandboxListing, CustomInvoicingListing];

    /// <summary>The listing for <paramref name="type"/>, or a 400 naming <c>type</c>.</summary>
    public static MarketplaceListing Find(string type) =>
        All.FirstOrDefault(l => l.Type == type)
            ?? throw new BillingValidationException("type", $"\"{type}\" is not an app type; the types are: {string.Join(", ", All.Select(l => l.Type))}");
}
