using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// Money in currencies without cents and with mills: every line is rounded to the currency's minor unit, half away
/// from zero (JPY to the yen, BHD to the fils), and the totals are sums of the rounded lines. Both customers start
/// on Jan 16 on a Jan 1 anchor, so the first fee is prorated to 16/31.
/// </summary>
public abstract class CurrencyScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Jan16 = Jan1.AddDays(15);
    private static readonly DateTimeOffset Feb1 = Jan1.AddMonths(1);
    private const string AlignedToJan1 = ""","billingAnchor":"2026-01-01T00:00:00Z" """;

    [Fact]
    public async Task Yen_have_no_decimals_and_fils_have_three()
    {
        var clock = new FakeTimeProvider(Jan16);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "yen", Flat("Platform fee", "1000") + "," + UsageCard("""{"type":"unit","amount":"0.5"}"""), currency: "JPY");
        await PlanAsync(server, "fils", Flat("Platform fee", "7.5") + "," + UsageCard("""{"type":"unit","amount":"0.0005"}"""), currency: "BHD");
        var tokyo = await CustomerAsync(server, "tokyo");
        var manama = await CustomerAsync(server, "manama");
        await SubscribeAsync(server, "tokyo", "yen", extra: AlignedToJan1);
        await SubscribeAsync(server, "manama", "fils", extra: AlignedToJan1);

        // Jan 16 01:00. JPY: 16/31 × 1000 = 516.129… → 516. BHD: 16/31 × 7.5 = 3.870967… → 3.871.
        clock.SetUtcNow(Jan16.AddHours(1));
        await BillAsync(server);
        var yenFirst = Assert.Single(await IssuedAsync(server, tokyo));
        Assert.Equal("516", yenFirst.GetProperty("totals").GetProperty("total").GetString());
        Assert.Equal("JPY", yenFirst.GetProperty("currency").GetString());
        var filsFirst = Assert.Single(await IssuedAsync(server, manama));
        Assert.Equal("3.871", filsFirst.GetProperty("totals").GetProperty("total").GetString());

        // Feb 1 01:00. JPY: 3 tokens × 0.5 = 1.5 → 2 (half away from zero), + 1000 = 1002.
        // BHD: 1,001 tokens × 0.0005 = 0.5005 → 0.501, + 7.5 = 8.001.
        clock.SetUtcNow(Jan1.AddDays(21));
        await UseAsync(server, "tokyo", 3, Jan1.AddDays(19));
        await UseAsync(server, "manama", 1_001, Jan1.AddDays(19));
        clock.SetUtcNow(Feb1.AddHours(1));
        await BillAsync(server);

        var yen = (await IssuedAsync(server, tokyo))[1];
        Assert.Equal(2m, Total(Line(yen, "ai-token")));
        Assert.Equal("1000", Line(yen, "Platform fee").GetProperty("totals").GetProperty("total").GetString());
        Assert.Equal("1002", yen.GetProperty("totals").GetProperty("total").GetString());
        var fils = (await IssuedAsync(server, manama))[1];
        Assert.Equal("0.501", Line(fils, "ai-token").GetProperty("totals").GetProperty("total").GetString());
        Assert.Equal("8.001", fils.GetProperty("totals").GetProperty("total").GetString());

        // One profile numbers both customers' invoices, issued in the same runs: four numbers, none repeated.
        var numbers = (await NumbersAsync(server, tokyo)).Concat(await NumbersAsync(server, manama)).Order(StringComparer.Ordinal);
        Assert.Equal(["INV-000001", "INV-000002", "INV-000003", "INV-000004"], numbers);
    }
}

public sealed class CurrencyScenariosOnSqlite() : CurrencyScenarios(TestStore.Sqlite);

public sealed class CurrencyScenariosOnPostgres() : CurrencyScenarios(TestStore.Postgres);
