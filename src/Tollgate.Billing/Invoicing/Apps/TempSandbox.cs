using Microsoft.Extensions.Hosting;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Apps;

internal sealed class TempSandbox : IInvoicingApp
{
    public string Type => "sandbox";

    public Task<AppOutcome> SyncDraftAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken) => Task.FromResult(new AppOutcome(AppStep.Done));

    public Task<AppOutcome> IssueAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken) => Task.FromResult(new AppOutcome(AppStep.Paid));
}

internal sealed class TempBootstrap(BillingRepository repository) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        if (BillingProfiles.Default(change.State) is not null)
        {
            return 0;
        }

        var app = change.Put(InstalledApp.Kind, new InstalledApp { Id = Ulid.NewUlid().ToString(), Type = "sandbox", Name = "Sandbox", CreatedAt = change.Now, UpdatedAt = change.Now });
        change.Put(BillingProfile.Kind, new BillingProfile
        {
            Id = Ulid.NewUlid().ToString(),
            Name = "Default",
            CreatedAt = change.Now,
            UpdatedAt = change.Now,
            Supplier = new BillingParty { Name = "Tollgate" },
            Apps = new BillingProfileAppReferences(new AppReference(app.Id), new AppReference(app.Id), new AppReference(app.Id)),
            Default = true,
        });
        return 1;
    }, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
