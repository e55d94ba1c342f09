using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Store.Counters;
using Tollgate.Store.Postgres;

namespace Tollgate.Store.Tests.Counters;

/// <summary>
/// The shared counters on one store, with each <see cref="SharedCounters"/> standing for a node. Declared once and
/// run on both engines; on PostgreSQL each test gets a schema of its own in the test cluster.
/// </summary>
public abstract class SharedCountersTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly CounterKey Tokens = new("consumer:kong-air:tokens", Monday, Monday.AddDays(7));

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tollgate-tests", Guid.NewGuid().ToString("N"));
    private readonly List<SharedCounters> _nodes = [];
    private readonly FakeTimeProvider _clock = new(Monday.AddHours(9));
    private SqliteStore? _sqlite;
    private PostgresStore? _postgres;

    protected abstract StoreProvider Provider { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _postgres?.Dispose();
        SqliteStore.CloseAll();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Concurrent_reservations_on_two_nodes_never_pass_the_limit_and_lose_no_budget()
    {
        var first = Node();
        var second = Node();
        var granted = 0;

        // 64 workers per node reserve 7 tokens at a time until they are refused; each settles what it reserved.
        async Task Work(SharedCounters node)
        {
            await Task.Yield();
            while (true)
            {
                var reservation = await node.ReserveAsync(Tokens, limit: 1000m, amount: 7m, Ct);
                if (!reservation.IsGranted)
                {
                    return;
                }

                Interlocked.Increment(ref granted);
                await Task.Yield();
                node.Settle(reservation, 7m);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 128).Select(i => Work(i % 2 == 0 ? first : second)));
        await first.FlushAsync(releaseAll: true, Ct);
        await second.FlushAsync(releaseAll: true, Ct);

        var reading = await first.ReadAsync(Tokens, Ct);
        Assert.Equal(granted * 7m, reading.Used);
        Assert.True(reading.Used <= 1000m, $"{reading.Used} tokens granted under a limit of 1000");
        Assert.Equal(0m, reading.Held);

        // Nothing is stranded: what the workers could not use is all still there, to the token.
        var rest = 1000m - reading.Used;
        Assert.True((await second.ReserveAsync(Tokens, 1000m, rest + 1m, Ct)).IsGranted is false);
        await Task.Delay(150, Ct); // past the denial answered from memory
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        var last = await second.ReserveAsync(Tokens, 1000m, rest, Ct);
        Assert.True(last.IsGranted);
        second.Settle(last, rest);
        await second.FlushAsync(cancellationToken: Ct);
        Assert.Equal(1000m, (await first.ReadAsync(Tokens, Ct)).Used);
    }

    [Fact]
    public async Task A_reservation_is_served_from_memory_once_the_node_holds_a_lease()
    {
        var node = Node();
        var first = await node.ReserveAsync(Tokens, 10_000m, 100m, Ct);
        Assert.True(first.IsGranted);

        // The lease took 16 more reservations' worth: they complete without touching the store.
        for (var i = 0; i < 16; i++)
        {
            var next = node.ReserveAsync(Tokens, 10_000m, 100m, Ct);
            Assert.True(next.IsCompletedSuccessfully, $"reservation {i + 2} waited for the store");
            Assert.True((await next).IsGranted);
        }

        Assert.Equal(1700m, (await node.ReadAsync(Tokens, Ct)).Held);
    }

    [Fact]
    public async Task Settling_less_than_reserved_gives_the_rest_back_and_more_is_counted_in_full()
    {
        var node = Node();
        var reservation = await node.ReserveAsync(Tokens, 100m, 100m, Ct);
        Assert.True(reservation.IsGranted);
        Assert.False((await node.ReserveAsync(Tokens, 100m, 1m, Ct)).IsGranted);

        node.Settle(reservation, 60m);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var rest = await node.ReserveAsync(Tokens, 100m, 40m, Ct);
        Assert.True(rest.IsGranted);

        // The work used more than it asked for: that usage happened, so it counts, past the limit.
        node.Settle(rest, 55m);
        await node.FlushAsync(cancellationToken: Ct);
        Assert.Equal(115m, (await node.ReadAsync(Tokens, Ct)).Used);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False((await node.ReserveAsync(Tokens, 100m, 1m, Ct)).IsGranted);
        Assert.True((await node.ReserveAsync(Tokens, 200m, 85m, Ct)).IsGranted);
    }

    [Fact]
    public async Task Usage_settled_on_a_node_that_stopped_is_still_counted_by_the_next()
    {
        var first = Node();
        var reservation = await first.ReserveAsync(Tokens, 100m, 30m, Ct);
        first.Settle(reservation, 30m);
        first.Record(Tokens, 2.5m);
        await first.DisposeAsync();
        _nodes.Remove(first);

        var second = Node();
        Assert.Equal(new CounterReading(32.5m, 0m), await second.ReadAsync(Tokens, Ct));
        Assert.False((await second.ReserveAsync(Tokens, 100m, 67.6m, Ct)).IsGranted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await second.ReserveAsync(Tokens, 100m, 67.5m, Ct)).IsGranted);
    }

    [Fact]
    public async Task The_lease_of_a_node_that_died_counts_as_spent_once_it_expires()
    {
        var options = new CounterOptions { LeaseLifetime = TimeSpan.FromSeconds(1) };
        var dead = Node(options);
        var survivor = Node(options);

        // 10 needed plus half of the 90 left: the node that dies holds 55 and never gives it back.
        Assert.True((await dead.ReserveAsync(Tokens, 100m, 10m, Ct)).IsGranted);
        _nodes.Remove(dead);
        Assert.Equal(55m, (await survivor.ReadAsync(Tokens, Ct)).Held);
        Assert.False((await survivor.ReserveAsync(Tokens, 100m, 46m, Ct)).IsGranted);

        await PassAsync(TimeSpan.FromSeconds(1.5));

        // Whatever the dead node spent, it spent at most its lease: the survivor gets the rest, and no more.
        var rest = await survivor.ReserveAsync(Tokens, 100m, 45m, Ct);
        Assert.True(rest.IsGranted);
        Assert.False((await survivor.ReserveAsync(Tokens, 100m, 1m, Ct)).IsGranted);
        Assert.Equal(new CounterReading(55m, 45m), await survivor.ReadAsync(Tokens, Ct));
    }

    [Fact]
    public async Task A_node_whose_lease_expired_while_it_worked_adds_only_what_went_beyond_the_lease()
    {
        var options = new CounterOptions { LeaseLifetime = TimeSpan.FromSeconds(1) };
        var slow = Node(options);
        var other = Node(options);
        var reservation = await slow.ReserveAsync(Tokens, 100m, 10m, Ct);
        slow.Settle(reservation, 60m);
        await PassAsync(TimeSpan.FromSeconds(1.5));

        // The other node counts the whole expired lease (55) as spent; the slow node then reports 60 used: 5 more.
        Assert.True((await other.ReserveAsync(Tokens, 100m, 1m, Ct)).IsGranted);
        await slow.FlushAsync(cancellationToken: Ct);
        Assert.Equal(new CounterReading(60m, 17m), await other.ReadAsync(Tokens, Ct));
    }

    [Fact]
    public async Task An_idle_lease_goes_back_so_another_node_can_use_it()
    {
        var first = Node();
        var second = Node();
        var reservation = await first.ReserveAsync(Tokens, 100m, 10m, Ct);
        first.Settle(reservation, 10m);
        Assert.False((await second.ReserveAsync(Tokens, 100m, 80m, Ct)).IsGranted);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await first.FlushAsync(cancellationToken: Ct);
        Assert.Equal(new CounterReading(10m, 0m), await second.ReadAsync(Tokens, Ct));
        Assert.True((await second.ReserveAsync(Tokens, 100m, 90m, Ct)).IsGranted);
    }

    [Fact]
    public async Task Each_window_counts_from_zero_and_ended_windows_are_deleted()
    {
        var node = Node();
        var nextWeek = new CounterKey(Tokens.Name, Tokens.WindowEnd, Tokens.WindowEnd.AddDays(7));
        node.Settle(await node.ReserveAsync(Tokens, 100m, 100m, Ct), 100m);
        Assert.True((await node.ReserveAsync(nextWeek, 100m, 100m, Ct)).IsGranted);
        await node.FlushAsync(cancellationToken: Ct);

        Assert.Equal(1, await node.DeleteEndedAsync(Tokens.WindowEnd.AddDays(1), Ct));
        Assert.Equal(new CounterReading(0m, 0m), await node.ReadAsync(Tokens, Ct));
        Assert.Equal(100m, (await node.ReadAsync(nextWeek, Ct)).Held);
    }

    private SharedCounters Node(CounterOptions? options = null)
    {
        options ??= new CounterOptions();
        var logger = NullLogger<SharedCounters>.Instance;
        SharedCounters node;
        if (Provider == StoreProvider.Postgres)
        {
            if (_postgres is null)
            {
                var url = Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES") is { Length: > 0 } cluster
                    ? cluster
                    : throw new InvalidOperationException("PostgreSQL tests need TOLLGATE_TEST_POSTGRES (./run-tests starts a throwaway cluster and sets it)");
                _postgres = new PostgresStore(new PostgresOptions($"{url}{(url.Contains('?', StringComparison.Ordinal) ? '&' : '?')}schema=t_{Guid.NewGuid():N}"), _clock, NullLogger<PostgresStore>.Instance);
                _postgres.Migrate(CountersModule.Migrations(StoreProvider.Postgres));
            }

            node = CountersModule.Create(_postgres, options, _clock, logger);
        }
        else
        {
            if (_sqlite is null)
            {
                _sqlite = new SqliteStore(new StoreOptions { DataDirectory = _directory }, _clock, NullLogger<SqliteStore>.Instance);
                _sqlite.Migrate(CountersModule.Migrations(StoreProvider.Sqlite));
            }

            node = CountersModule.Create(_sqlite, options, _clock, logger);
        }

        _nodes.Add(node);
        return node;
    }

    /// <summary>Lets time pass for this node (the fake clock) and for PostgreSQL, which judges leases by its own.</summary>
    private async Task PassAsync(TimeSpan span)
    {
        _clock.Advance(span);
        if (Provider == StoreProvider.Postgres)
        {
            await Task.Delay(span, Ct);
        }
    }
}

public sealed class SharedCountersOnSqlite : SharedCountersTests
{
    protected override StoreProvider Provider => StoreProvider.Sqlite;
}

public sealed class SharedCountersOnPostgres : SharedCountersTests
{
    protected override StoreProvider Provider => StoreProvider.Postgres;
}
