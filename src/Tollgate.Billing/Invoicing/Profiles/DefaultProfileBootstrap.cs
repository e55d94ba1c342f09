using Microsoft.Extensions.Hosting;
using Tollgate.Billing.Invoicing.Apps;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>
/// Makes sure billing has a default profile before the listeners open: on a fresh store it installs the sandbox app
/// and creates "Default Billing Profile" on it, so invoices can be issued (and are marked paid) from the first start.
/// Both are decided in one change on the stored state, so nodes starting together create exactly one of each. Once a
/// default profile exists nothing is touched, so an operator's choices (another default, the sandbox uninstalled) stay.
/// </summary>
internal sealed class DefaultProfileBootstrap(BillingRepository repository, BillingProfileDefaults defaults) : IHostedService
{
    public const string ProfileName = "Default Billing Profile";

    public Task StartAsync(CancellationToken cancellationToken) => EnsureAsync(repository, defaults, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Creates the sandbox app and the default profile unless a default profile exists; returns whether it created one.</summary>
    internal static Task<bool> EnsureAsync(BillingRepository repository, BillingProfileDefaults defaults, CancellationToken cancellationToken) =>
        repository.ChangeAsync(change =>
        {
            if (BillingProfiles.Default(change.State) is not null)
            {
                return false;
            }

            var sandbox = change.State.All(InstalledApp.Kind)
                .Where(a => a.Type == SandboxApp.AppType && !a.IsDeleted)
                .OrderBy(a => a.CreatedAt).ThenBy(a => a.Id, StringComparer.Ordinal)
                .FirstOrDefault()
                ?? change.Put(InstalledApp.Kind, AppService.NewApp(change, SandboxApp.AppType, Marketplace.SandboxListing.Name));
            var app = new AppReference(sandbox.Id);
            BillingProfileService.Add(change, new BillingProfile
            {
                Id = Ulid.NewUlid().ToString(),
                Name = ProfileName,
                CreatedAt = change.Now,
                UpdatedAt = change.Now,
                Supplier = new BillingParty { Name = defaults.SupplierName },
                Apps = new BillingProfileAppReferences(app, app, app),
                Default = true,
            });
            return true;
        }, cancellationToken);
}
