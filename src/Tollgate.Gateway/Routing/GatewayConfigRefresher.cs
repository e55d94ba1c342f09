using Microsoft.Extensions.Logging;
using Tollgate.Store;

namespace Tollgate.Gateway.Routing;

/// <summary>
/// Loads the config before the listeners open, then checks the stored version every 250 ms, so a change made on
/// another node reaches this node's proxy well within a second.
/// </summary>
internal sealed partial class GatewayConfigRefresher(GatewayConfigService config, TimeProvider time, ILogger<GatewayConfigRefresher> logger)
    : Refresher(TimeSpan.FromMilliseconds(250), time)
{
    protected override Task RefreshAsync(CancellationToken cancellationToken) => config.RefreshAsync(cancellationToken);

    protected override void OnRefreshFailed(Exception exception) => LogRefreshFailed(logger, exception);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Checking the gateway config for changes failed; the proxy keeps its current config and tries again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
