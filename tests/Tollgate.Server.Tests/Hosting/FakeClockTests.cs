using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Hosting;

/// <summary>
/// Billing scenarios move a test clock by months. Background loops must wake once when the clock jumps, not once
/// per missed period: their rounds complete synchronously on SQLite, so a periodic timer would run millions of
/// them inside the jump (a 10-day jump held a test for over 15 minutes).
/// </summary>
public abstract class FakeClockTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_clock_moved_two_months_ahead_leaves_the_server_responsive()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 31, 12, 0, 0, TimeSpan.Zero));
        await using var server = await store.StartAsync(time: clock);
        using var before = await server.PostJsonAsync("/api/v1/features", """{"key":"before","name":"Before"}""");
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);

        await Task.Run(() => clock.Advance(TimeSpan.FromDays(61)), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        using var after = await server.PostJsonAsync("/api/v1/features", """{"key":"after","name":"After"}""").WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        var created = System.Text.Json.JsonDocument.Parse(await after.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(new DateTimeOffset(2026, 4, 2, 12, 0, 0, TimeSpan.Zero), created);
    }
}

public sealed class FakeClockTestsOnSqlite() : FakeClockTests(TestStore.Sqlite);

public sealed class FakeClockTestsOnPostgres() : FakeClockTests(TestStore.Postgres);
