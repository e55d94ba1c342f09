using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Meters;

/// <summary>
/// On a store several nodes share, brings this node's meters up to date when another node changes them, within
/// <see cref="Interval"/>, even if this node writes nothing meanwhile (its writer also catches up at the start of
/// every transaction). One cheap read of the catalog version per tick; the meters are read only when it moved.
/// </summary>
internal sealed partial class CatalogRefresher(IMeteringStore store, MeterCatalog catalog, ILogger<CatalogRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!store.SharedByNodes)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (await store.ReadCatalogVersionAsync(stoppingToken) != catalog.Current.StoredVersion)
                    {
                        catalog.Publish(await store.LoadCatalogAsync(stoppingToken));
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The database may be restarting; the next tick tries again.
                    LogRefreshFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Reading the shared meter catalog failed; retrying")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
