using Tollgate.Billing.Invoicing.Profiles;

namespace Tollgate.Billing.Tests.Invoicing.Profiles;

public sealed class BillingWorkflowOverrideTests
{
    [Fact]
    public void Nothing_given_keeps_the_workflow_it_is_laid_over()
    {
        var workflow = new BillingWorkflow { Invoicing = new BillingWorkflowInvoicingSettings { DueAfter = "P7D" } };
        var empty = new BillingWorkflowOverride { Collection = new CollectionOverride(), Tax = new TaxOverride() };
        Assert.True(empty.IsEmpty);
        Assert.Equal(workflow, empty.Validate("workflow").ApplyTo(workflow));
    }

    [Fact]
    public void An_anchored_alignment_is_validated_and_its_enum_interval_written_as_iso_8601()
    {
        var anchor = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var given = new BillingWorkflowOverride
        {
            Collection = new CollectionOverride { Alignment = new AlignmentOverride { Type = "anchored", RecurringPeriod = new RecurringPeriodOverride { Interval = "WEEK", Anchor = anchor } } },
        };
        var workflow = given.Validate("workflow").ApplyTo(new BillingWorkflow());
        var alignment = Assert.IsType<AnchoredCollectionAlignment>(workflow.Collection.Alignment);
        Assert.Equal(new CollectionRecurringPeriod { Interval = "P1W", Anchor = anchor }, alignment.RecurringPeriod);
        // Collected at the next weekly boundary (Thursday 8 January) plus the default grace hour.
        Assert.Equal(new DateTimeOffset(2026, 1, 8, 1, 0, 0, TimeSpan.Zero), workflow.Collection.CollectionAt(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("collection.interval")]
    [InlineData("collection.alignment.type")]
    [InlineData("collection.alignment.recurringPeriod.interval")]
    [InlineData("invoicing.draftPeriod")]
    [InlineData("invoicing.dueAfter")]
    [InlineData("invoicing.subscriptionEndProrationMode")]
    [InlineData("payment.collectionMethod")]
    public void Each_invalid_setting_is_named_under_the_given_path(string field)
    {
        var anchor = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var invalid = field switch
        {
            "collection.interval" => new BillingWorkflowOverride { Collection = new CollectionOverride { Interval = "an hour" } },
            "collection.alignment.type" => new BillingWorkflowOverride { Collection = new CollectionOverride { Alignment = new AlignmentOverride { Type = "monthly" } } },
            "collection.alignment.recurringPeriod.interval" => new BillingWorkflowOverride
            {
                Collection = new CollectionOverride { Alignment = new AlignmentOverride { Type = "anchored", RecurringPeriod = new RecurringPeriodOverride { Interval = "PT1M", Anchor = anchor } } },
            },
            "invoicing.draftPeriod" => new BillingWorkflowOverride { Invoicing = new InvoicingOverride { DraftPeriod = "P" } },
            "invoicing.dueAfter" => new BillingWorkflowOverride { Invoicing = new InvoicingOverride { DueAfter = "30" } },
            "invoicing.subscriptionEndProrationMode" => new BillingWorkflowOverride { Invoicing = new InvoicingOverride { SubscriptionEndProrationMode = "prorate" } },
            _ => new BillingWorkflowOverride { Payment = new PaymentOverride { CollectionMethod = "wire" } },
        };
        var error = Assert.Throws<BillingValidationException>(() => invalid.Validate("workflow"));
        Assert.Equal($"workflow.{field}", error.Field);
    }
}
