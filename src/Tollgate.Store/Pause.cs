namespace Tollgate.Store;

/// <summary>
/// The wait between two rounds of a background loop. It is a one-shot delay on the injected clock, not a
/// <see cref="PeriodicTimer"/>: a periodic timer on a test clock moved a month ahead fires once per missed period,
/// and a loop whose body completes synchronously (SQLite does) then runs millions of rounds inside the clock's
/// advance. A delay wakes once, and the next round waits from the new time.
/// </summary>
public static class Pause
{
    /// <summary>Waits <paramref name="interval"/> on <paramref name="time"/>; false when <paramref name="stoppingToken"/> fires.</summary>
    public static async Task<bool> WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(interval, time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
