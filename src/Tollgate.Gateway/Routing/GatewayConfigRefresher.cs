using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Store;

namespace Tollgate.Gateway.Routing;

/// <summary>
/// Loads the config before the listeners open, then checks the stored version every 250 ms, so a change made on
/// another node reaches this node's proxy well within a second.
/// </summary>
internal sealed partial class GatewayConfigRefresher(GatewayConfigService config, TimeProvider time, ILogger<GatewayConfigRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await config.RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await Pause.WaitAsync(Interval, time, stoppingToken))
            {
                try
                {
                    await config.RefreshAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogRefreshFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Checking the gateway config for changes failed; the proxy keeps its current config and tries again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
