using Microsoft.Extensions.Hosting;

namespace Tollgate.Store;

/// <summary>
/// Keeps a node's copy of shared state current: refreshes once before the listeners open (a failure there stops
/// the start), then every <paramref name="interval"/>, where a failure is reported and the node keeps what it has.
/// </summary>
public abstract class Refresher(TimeSpan interval, TimeProvider time) : BackgroundService
{
    protected abstract Task RefreshAsync(CancellationToken cancellationToken);

    /// <summary>A refresh after the first failed; the next one tries again.</summary>
    protected abstract void OnRefreshFailed(Exception exception);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await Pause.WaitAsync(interval, time, stoppingToken))
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    OnRefreshFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
