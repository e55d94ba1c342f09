using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;
using Tollgate.Store;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>What one bill run did.</summary>
public sealed record BillRunResult(int Customers, int Drafts, int Skipped);

/// <summary>
/// One pass of the biller: every customer whose next line is due gets its drafts (in batches of
/// <see cref="BatchSize"/> customers per change), then every invoice whose next move is due moves (issue, pay,
/// overdue). Safe to run on every node at once and to stop anywhere: each draft is stored only if its lines are still
/// unbilled, each move only from the step it starts at. On one node, runs take turns (the timer's and any caller's):
/// a run that started on an older clock reading finishes before the next one reads what is due, so they never plan
/// the same lines against each other.
/// Once a day it also sweeps customers whose subscription ended within the late-usage window: they have no next
/// invoice for late events to ride on, so a late event for their last periods gets an invoice of its own.
/// </summary>
public sealed partial class BillRun(BillingRepository repository, InvoiceCollector collector, InvoiceLifecycle lifecycle, ILogger<BillRun> logger) : IDisposable
{
    public const int BatchSize = 200;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private DateOnly? _sweptOn;

    public async Task<BillRunResult> RunAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            return await RunAloneAsync(cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose() => _turn.Dispose();

    private async Task<BillRunResult> RunAloneAsync(CancellationToken cancellationToken)
    {
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var state = repository.Current;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var sweep = _sweptOn != today;
        var due = state.All(Customer.Kind)
            .Where(c => !c.IsDeleted && ((InvoiceCollector.NextCollection(state, c, now) is { } at && at <= now) || (sweep && EndedRecently(state, c, now))))
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        var drafts = 0;
        var skipped = 0;
        foreach (var batch in due.Chunk(BatchSize))
        {
            var planned = new List<PlannedDraft>();
            var usage = new UsageBatch(batch.SelectMany(c => c.UsageSubjects));
            foreach (var customer in batch)
            {
                try
                {
                    planned.AddRange(await collector.PlanAsync(state, customer, now, progressiveOverride: false, lineIds: null, scheduled: true, cancellationToken, usage));
                }
                catch (BillingException exception)
                {
                    // One customer's broken setup (a feature without a meter) must not hold up everyone else's invoices.
                    skipped++;
                    LogCustomerSkipped(logger, exception, customer.Id);
                }
            }

            if (planned.Count > 0)
            {
                var stored = await collector.StoreAsync(planned, cancellationToken);
                drafts += stored.Count;
                skipped += planned.Count - stored.Count;
            }
        }

        await lifecycle.ProgressAsync(null, cancellationToken);
        if (sweep)
        {
            _sweptOn = today;
        }

        return new BillRunResult(due.Count, drafts, skipped);
    }

    /// <summary>Whether a subscription of the customer ended within the late-usage window (its periods can still get late events).</summary>
    private static bool EndedRecently(BillingState state, Customer customer, DateTimeOffset now) =>
        Subscriptions.SubscriptionService.OfCustomer(state, customer.Id)
            .Any(s => !s.IsDeleted && s.ActiveTo is { } end && end <= now && end > now - InvoiceLineBuilder.LateUsageWindow);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Customer {CustomerId} could not be invoiced in this bill run; the next run tries again")]
    private static partial void LogCustomerSkipped(ILogger logger, Exception exception, string customerId);
}

/// <summary>Runs a <see cref="BillRun"/> every <see cref="Interval"/> on the injected clock.</summary>
internal sealed partial class Biller(BillRun run, TimeProvider time, ILogger<Biller> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await Pause.WaitAsync(Interval, time, stoppingToken))
            {
                try
                {
                    await run.RunAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogRunFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "A bill run failed; the next one tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}
