using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Metering.Events;
using Tollgate.Metering.Ingest;
using Tollgate.Store;

namespace Tollgate.Gateway.Usage;

/// <summary>
/// Carries the gateway's usage events to metering without ever holding up a proxied request. Events queue in
/// memory and go to the ingest writer in batches; a batch the store cannot take (down, overloaded, shutting down)
/// is appended to a spool file under the data directory (fsynced) and replayed once the store takes writes
/// again. Event ids come from the request id, so a replay that overlaps a write that did land counts once.
/// </summary>
internal sealed partial class UsageOutbox : BackgroundService
{
    private const int BatchSize = 500;

    /// <summary>
    /// How long the first event of a batch waits for others: at 1,000 requests a second this makes one commit
    /// (and fsync) of about 100 events instead of dozens of small ones, for 50 ms more before usage is counted.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ReplayInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<UsageEvent> _queue = Channel.CreateUnbounded<UsageEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly EventIngestor _ingestor;
    private readonly TimeProvider _time;
    private readonly ILogger<UsageOutbox> _logger;
    private readonly string _spoolPath;
    private readonly SemaphoreSlim _spoolLock = new(1, 1);
    private long _pending;

    public UsageOutbox(EventIngestor ingestor, UsageOutboxOptions options, TimeProvider time, ILogger<UsageOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ingestor = ingestor;
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(options.SpoolDirectory);
        _spoolPath = Path.Combine(options.SpoolDirectory, "usage-spool.jsonl");
    }

    /// <summary>Queues an event; never blocks and never fails while the process runs.</summary>
    public void Enqueue(UsageEvent usage)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(usage))
        {
            // The outbox has stopped (shutdown): keep the event on disk for the next start.
            SpoolAsync([usage], CancellationToken.None).GetAwaiter().GetResult();
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>Waits until every queued event is committed or spooled (tests and shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pending) > 0)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var replay = Task.Run(() => ReplayLoopAsync(stoppingToken), CancellationToken.None);
        var batch = new List<UsageEvent>(BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // The single-reader queue cannot count; what is pending and not yet drained is what it holds.
                if (Interlocked.Read(ref _pending) < BatchSize)
                {
                    await Task.Delay(Linger, _time, stoppingToken);
                }

                await DrainAsync(batch, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        _queue.Writer.TryComplete();
        await DrainAsync(batch, CancellationToken.None);
        await replay;
    }

    private async Task DrainAsync(List<UsageEvent> batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            batch.Clear();
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var usage))
            {
                batch.Add(usage);
            }

            if (batch.Count == 0)
            {
                return;
            }

            // Neither the store nor the disk takes the batch: keep it and try both again, so nothing is dropped
            // while the process lives.
            while (!await TryIngestAsync(batch))
            {
                try
                {
                    await SpoolAsync(batch, cancellationToken);
                    break;
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    LogSpoolFailed(_logger, batch.Count, exception);
                    await Task.Delay(ReplayInterval, _time, cancellationToken);
                }
            }

            Interlocked.Add(ref _pending, -batch.Count);
        }
    }

    private async Task<bool> TryIngestAsync(List<UsageEvent> batch)
    {
        try
        {
            var events = new List<ParsedEvent>(batch.Count);
            foreach (var usage in batch)
            {
                var data = JsonSerializer.SerializeToElement(usage.Data, UsageJson.Default.LlmRequestData);
                events.Add(new ParsedEvent(
                    new EventRecord(usage.Id, usage.Source, "kong.llm_request", usage.Subject, usage.TimeTicks, data.GetRawText(), null),
                    data));
            }

            var outcome = await _ingestor.IngestAsync(events);
            if (outcome == IngestOutcome.Committed)
            {
                return true;
            }

            LogIngestRefused(_logger, batch.Count, outcome.ToString());
            return false;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogIngestFailed(_logger, batch.Count, exception);
            return false;
        }
    }

    private async Task SpoolAsync(List<UsageEvent> batch, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var usage in batch)
        {
            text.Append(JsonSerializer.Serialize(usage, UsageJson.Default.UsageEvent)).Append('\n');
        }

        await _spoolLock.WaitAsync(cancellationToken);
        try
        {
            await using var file = new FileStream(_spoolPath, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.WriteThrough);
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            await file.WriteAsync(bytes, cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _spoolLock.Release();
        }

        LogSpooled(_logger, batch.Count);
    }

    /// <summary>Every second, replays the spool file into metering; the file is removed once all of it is committed.</summary>
    private async Task ReplayLoopAsync(CancellationToken stoppingToken)
    {
        do
        {
            try
            {
                await ReplayOnceAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogIngestFailed(_logger, 0, exception);
            }
        }
        while (await Pause.WaitAsync(ReplayInterval, _time, stoppingToken));
    }

    internal async Task ReplayOnceAsync()
    {
        if (!File.Exists(_spoolPath))
        {
            return;
        }

        await _spoolLock.WaitAsync();
        try
        {
            var lines = await File.ReadAllLinesAsync(_spoolPath);
            var events = new List<UsageEvent>(lines.Length);
            foreach (var line in lines)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    events.Add(JsonSerializer.Deserialize(line, UsageJson.Default.UsageEvent)!);
                }
                catch (JsonException)
                {
                    // A line cut short by a crash while spooling: everything before it is whole.
                    break;
                }
            }

            for (var start = 0; start < events.Count; start += BatchSize)
            {
                if (!await TryIngestAsync(events.GetRange(start, Math.Min(BatchSize, events.Count - start))))
                {
                    return;
                }
            }

            File.Delete(_spoolPath);
            if (events.Count > 0)
            {
                LogReplayed(_logger, events.Count);
            }
        }
        finally
        {
            _spoolLock.Release();
        }
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Metering refused {Count} usage events ({Outcome}); they are spooled to disk and replayed later")]
    private static partial void LogIngestRefused(ILogger logger, int count, string outcome);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Writing {Count} usage events to metering failed; they are spooled to disk and replayed later")]
    private static partial void LogIngestFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Critical, Message = "Neither metering nor the spool file takes {Count} usage events; they stay in memory and both are tried again")]
    private static partial void LogSpoolFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Spooled {Count} usage events to disk")]
    private static partial void LogSpooled(ILogger logger, int count);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "Replayed {Count} spooled usage events into metering")]
    private static partial void LogReplayed(ILogger logger, int count);
}

/// <summary>Where the usage outbox spools events the store could not take.</summary>
internal sealed record UsageOutboxOptions(string SpoolDirectory);
