using System.Net;
using System.Text.Json;
using Npgsql;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

/// <summary>When PostgreSQL refuses a write or drops the connection, ingest says so clearly and stores nothing half-way.</summary>
public sealed class PostgresFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<decimal> TotalAsync(TollgateServer server)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync("/api/v1/meters/tokens_total/query"));
        return document.RootElement.GetProperty("data").EnumerateArray().Sum(row => row.GetProperty("value").GetDecimal());
    }

    private static async Task ExecuteAsync(string databaseUrl, string sql)
    {
        await using var connection = new NpgsqlConnection(Tollgate.Store.Postgres.PostgresUrl.ToConnectionString(databaseUrl));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task A_write_the_database_refuses_answers_503_problem_and_stores_nothing_of_the_request()
    {
        var database = TestStore.Postgres.NewDatabaseUrl()!;
        await using var server = await TollgateServer.StartAsync(databaseUrl: database);
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([Event("ok-1", "acme", "2024-01-01T10:00:00Z", Tokens(5))]));

        // A constraint of the database's own (as an operator might add) that one event of the next batch breaks.
        await ExecuteAsync(database, "ALTER TABLE events ADD CONSTRAINT no_poison CHECK (id <> 'poison')");
        using (var refused = await server.PostJsonAsync("/api/v1/events", Batch([
            Event("ok-2", "acme", "2024-01-01T10:00:00Z", Tokens(7)),
            Event("poison", "acme", "2024-01-01T10:00:00Z", Tokens(1000)),
        ]), "application/cloudevents-batch+json"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
            Assert.Contains("nothing of this request was stored", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, await server.CountAsync("SELECT COUNT(*) FROM events"));
        Assert.Equal(5m, await TotalAsync(server));

        // The writer carries on with the next request.
        await IngestAsync(server, Batch([Event("ok-3", "acme", "2024-01-01T10:00:00Z", Tokens(11))]));
        Assert.Equal(16m, await TotalAsync(server));
    }

    [Fact]
    public async Task A_dropped_writer_connection_is_replaced_and_the_request_committed_once()
    {
        // Its own application name, so that only this server's connections are cut, not other tests' servers.
        var name = "tollgate-" + Guid.NewGuid().ToString("N");
        var database = TestStore.Postgres.NewDatabaseUrl() + "&application_name=" + name;
        await using var server = await TollgateServer.StartAsync(databaseUrl: database);
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([Event("before", "acme", "2024-01-01T10:00:00Z", Tokens(5))]));

        // Cut every connection of this server, the writer's included, as a database failover would.
        await ExecuteAsync(TestStore.PostgresUrl, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'");

        await IngestAsync(server, Batch([Event("after", "acme", "2024-01-01T10:00:00Z", Tokens(7))]));
        Assert.Equal(12m, await TotalAsync(server));
        Assert.Equal(2, await server.CountAsync("SELECT COUNT(*) FROM events"));
    }
}
