using Tollgate.Billing.Invoicing.Apps;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Tests.Invoicing.Profiles;

public sealed class BillingProfilesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_a_default_profile_there_is_nothing_to_bill_with()
    {
        var change = new BillingChange(BillingState.Empty, Now);
        change.Put(InstalledApp.Kind, App("app-1", "sandbox"));
        change.Put(BillingProfile.Kind, Profile("p-1", "app-1", isDefault: false));
        Assert.Null(BillingProfiles.Default(change.State));
        Assert.Null(BillingProfiles.For(change.State, "c-1"));
    }

    [Fact]
    public void A_customer_without_an_override_gets_the_default_profile_and_its_workflow()
    {
        var state = Store(out var defaultProfile, out _);
        var resolved = BillingProfiles.For(state, "c-1");
        Assert.NotNull(resolved);
        Assert.Same(defaultProfile, resolved.Profile);
        Assert.Same(defaultProfile.Workflow, resolved.Workflow);
        Assert.Equal("sandbox-app", resolved.InvoicingApp.Id);
    }

    [Fact]
    public void An_override_pins_its_profile_and_lays_its_settings_over_that_profiles_workflow()
    {
        var state = Store(out _, out var enterprise, change => change.Put(CustomerOverride.Kind, new CustomerOverride
        {
            CustomerId = "c-1",
            BillingProfileId = "enterprise",
            Workflow = new BillingWorkflowOverride
            {
                Invoicing = new InvoicingOverride { DraftPeriod = "P3D", AutoAdvance = false },
                Payment = new PaymentOverride { CollectionMethod = "send_invoice" },
            },
            CreatedAt = Now,
            UpdatedAt = Now,
        }));

        var resolved = BillingProfiles.For(state, "c-1");
        Assert.NotNull(resolved);
        Assert.Equal("enterprise", resolved.Profile.Id);
        Assert.Equal("custom-app", resolved.InvoicingApp.Id);
        // Overridden: draft period, auto-advance, collection method. Kept from the profile: due after (P45D). Defaults: the rest.
        Assert.Equal(new BillingWorkflow
        {
            Invoicing = new BillingWorkflowInvoicingSettings { DraftPeriod = "P3D", AutoAdvance = false, DueAfter = "P45D" },
            Payment = new BillingWorkflowPaymentSettings { CollectionMethod = "send_invoice" },
        }, resolved.Workflow);

        // Another customer is untouched.
        Assert.Equal("default", BillingProfiles.For(state, "c-2")!.Profile.Id);
    }

    [Fact]
    public void An_override_without_a_profile_follows_the_default_with_its_settings()
    {
        var state = Store(out var defaultProfile, out _, change => change.Put(CustomerOverride.Kind, new CustomerOverride
        {
            CustomerId = "c-1",
            Workflow = new BillingWorkflowOverride { Tax = new TaxOverride { Enforced = true } },
            CreatedAt = Now,
            UpdatedAt = Now,
        }));

        var resolved = BillingProfiles.For(state, "c-1")!;
        Assert.Same(defaultProfile, resolved.Profile);
        Assert.Equal(new BillingWorkflowTaxSettings { Enabled = true, Enforced = true }, resolved.Workflow.Tax);
        Assert.Equal(defaultProfile.Workflow.Invoicing, resolved.Workflow.Invoicing);
    }

    [Fact]
    public void A_pinned_profile_that_was_deleted_falls_back_to_the_default()
    {
        var state = Store(out var defaultProfile, out var enterprise, change =>
        {
            change.Put(BillingProfile.Kind, change.State.Find(BillingProfile.Kind, "enterprise")! with { DeletedAt = Now });
            change.Put(CustomerOverride.Kind, new CustomerOverride { CustomerId = "c-1", BillingProfileId = "enterprise", CreatedAt = Now, UpdatedAt = Now });
        });
        Assert.Same(defaultProfile, BillingProfiles.For(state, "c-1")!.Profile);
    }

    [Fact]
    public void A_profile_whose_invoicing_app_is_uninstalled_bills_no_one()
    {
        var state = Store(out _, out _, change => change.Put(InstalledApp.Kind, App("sandbox-app", "sandbox") with { DeletedAt = Now }));
        Assert.Null(BillingProfiles.For(state, "c-1"));
    }

    private static BillingState Store(out BillingProfile defaultProfile, out BillingProfile enterprise, Action<BillingChange>? more = null)
    {
        var change = new BillingChange(BillingState.Empty, Now);
        change.Put(InstalledApp.Kind, App("sandbox-app", "sandbox"));
        change.Put(InstalledApp.Kind, App("custom-app", "custom_invoicing"));
        defaultProfile = change.Put(BillingProfile.Kind, Profile("default", "sandbox-app", isDefault: true));
        enterprise = change.Put(BillingProfile.Kind, Profile("enterprise", "custom-app", isDefault: false) with
        {
            Workflow = new BillingWorkflow { Invoicing = new BillingWorkflowInvoicingSettings { DueAfter = "P45D" } },
        });
        more?.Invoke(change);
        return change.State;
    }

    private static InstalledApp App(string id, string type) => new() { Id = id, Type = type, Name = id, CreatedAt = Now, UpdatedAt = Now };

    private static BillingProfile Profile(string id, string appId, bool isDefault)
    {
        var app = new AppReference(appId);
        return new BillingProfile
        {
            Id = id,
            Name = id,
            CreatedAt = Now,
            UpdatedAt = Now,
            Supplier = new BillingParty { Name = "Tollgate" },
            Apps = new BillingProfileAppReferences(app, app, app),
            Default = isDefault,
        };
    }
}
