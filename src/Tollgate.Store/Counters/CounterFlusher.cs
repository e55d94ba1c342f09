using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tollgate.Store.Counters;

/// <summary>
/// Flushes the node's counters every <see cref="CounterOptions.FlushInterval"/>, deletes counters a day after
/// their window ended, and gives every lease back on shutdown.
/// </summary>
internal sealed partial class CounterFlusher(SharedCounters counters, CounterOptions options, TimeProvider time, ILogger<CounterFlusher> logger) : BackgroundService
{
    private static readonly TimeSpan CleanupInterval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan KeepEnded = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastCleanup = DateTimeOffset.MinValue;
        try
        {
            while (await Pause.WaitAsync(options.FlushInterval, time, stoppingToken))
            {
                await counters.FlushAsync(releaseAll: false, stoppingToken);
                var now = time.GetUtcNow();
                if (now - lastCleanup >= CleanupInterval)
                {
                    lastCleanup = now;
                    try
                    {
                        await counters.DeleteEndedAsync(now - KeepEnded, stoppingToken);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        LogCleanupFailed(logger, exception);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await counters.FlushAsync(releaseAll: true, cancellationToken);
    }

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Deleting ended counters failed; the next cleanup tries again")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception);
}
