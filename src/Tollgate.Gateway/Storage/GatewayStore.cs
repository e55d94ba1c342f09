using System.Collections.Immutable;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;
using Npgsql;
using Tollgate.Gateway.Entities;
using Tollgate.Store;
using Tollgate.Store.Postgres;

namespace Tollgate.Gateway.Storage;

/// <summary>A change the config refused: the whole change is dropped and nothing was stored.</summary>
public sealed class GatewayConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(string.Join("; ", errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}

/// <summary>
/// The gateway's entities in the store. A change runs in one transaction under the config's lock: it reads the
/// current config, applies the change, validates the result as a whole and writes only the rows that differ,
/// with the version incremented. Both engines share the SQL; a provider adds its connections and its lock.
/// </summary>
internal abstract class GatewayStore
{
    private const string ServiceKind = "service";
    private const string RouteKind = "route";
    private const string ConsumerKind = "consumer";
    private const string CredentialKind = "keyauth_credential";
    private const string GroupKind = "consumer_group";
    private const string PluginKind = "plugin";

    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A write transaction (SQLite takes the file's write lock at once).</summary>
    protected abstract Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Reads the version, holding the config's lock until commit.</summary>
    protected abstract string LockVersionSql { get; }

    public async Task<long> ReadVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, "SELECT version FROM gateway_config WHERE singleton = 1");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<GatewayConfig> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var version = SqlCommands.Create(connection, transaction, "SELECT version FROM gateway_config WHERE singleton = 1");
        var current = Convert.ToInt64(await version.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return await ReadEntitiesAsync(connection, transaction, current, cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current config and stores the result, or throws
    /// <see cref="GatewayConfigException"/> (from the change or from validation) having stored nothing.
    /// </summary>
    public async Task<GatewayConfig> ChangeAsync(Func<GatewayConfig, GatewayConfig> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        long version;
        await using (var lockVersion = SqlCommands.Create(connection, transaction, LockVersionSql))
        {
            version = Convert.ToInt64(await lockVersion.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var current = await ReadEntitiesAsync(connection, transaction, version, cancellationToken);
        var next = change(current);
        var errors = ConfigValidator.Validate(next);
        if (errors.Count > 0)
        {
            throw new GatewayConfigException(errors);
        }

        var writes = 0;
        writes += await WriteDiffAsync(connection, transaction, ServiceKind, current.Services, next.Services, s => s.Id, GatewayJson.Default.Service, cancellationToken);
        writes += await WriteDiffAsync(connection, transaction, RouteKind, current.Routes, next.Routes, r => r.Id, GatewayJson.Default.Route, cancellationToken);
        writes += await WriteDiffAsync(connection, transaction, ConsumerKind, current.Consumers, next.Consumers, c => c.Id, GatewayJson.Default.Consumer, cancellationToken);
        writes += await WriteDiffAsync(connection, transaction, CredentialKind, current.KeyAuthCredentials, next.KeyAuthCredentials, c => c.Id, GatewayJson.Default.KeyAuthCredential, cancellationToken);
        writes += await WriteDiffAsync(connection, transaction, GroupKind, current.ConsumerGroups, next.ConsumerGroups, g => g.Id, GatewayJson.Default.ConsumerGroup, cancellationToken);
        writes += await WriteDiffAsync(connection, transaction, PluginKind, current.Plugins, next.Plugins, p => p.Id, GatewayJson.Default.Plugin, cancellationToken);
        if (writes == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return current;
        }

        await using (var bump = SqlCommands.Create(connection, transaction, "UPDATE gateway_config SET version = version + 1 WHERE singleton = 1"))
        {
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return next.InCreationOrder() with { Version = version + 1 };
    }

    private static async Task<GatewayConfig> ReadEntitiesAsync(DbConnection connection, DbTransaction transaction, long version, CancellationToken cancellationToken)
    {
        var services = ImmutableArray.CreateBuilder<Service>();
        var routes = ImmutableArray.CreateBuilder<Route>();
        var consumers = ImmutableArray.CreateBuilder<Consumer>();
        var credentials = ImmutableArray.CreateBuilder<KeyAuthCredential>();
        var groups = ImmutableArray.CreateBuilder<ConsumerGroup>();
        var plugins = ImmutableArray.CreateBuilder<Plugin>();
        await using (var command = SqlCommands.Create(connection, transaction, "SELECT kind, body FROM gateway_entities"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var body = reader.GetString(1);
                switch (reader.GetString(0))
                {
                    case ServiceKind: services.Add(Deserialize(body, GatewayJson.Default.Service)); break;
                    case RouteKind: routes.Add(Deserialize(body, GatewayJson.Default.Route)); break;
                    case ConsumerKind: consumers.Add(Deserialize(body, GatewayJson.Default.Consumer)); break;
                    case CredentialKind: credentials.Add(Deserialize(body, GatewayJson.Default.KeyAuthCredential)); break;
                    case GroupKind: groups.Add(Deserialize(body, GatewayJson.Default.ConsumerGroup)); break;
                    case PluginKind: plugins.Add(Deserialize(body, GatewayJson.Default.Plugin)); break;
                    default: break;
                }
            }
        }

        return new GatewayConfig
        {
            Services = services.ToImmutable(),
            Routes = routes.ToImmutable(),
            Consumers = consumers.ToImmutable(),
            KeyAuthCredentials = credentials.ToImmutable(),
            ConsumerGroups = groups.ToImmutable(),
            Plugins = plugins.ToImmutable(),
            Version = version,
        }.InCreationOrder();
    }

    private static async Task<int> WriteDiffAsync<T>(
        DbConnection connection, DbTransaction transaction, string kind, ImmutableArray<T> before, ImmutableArray<T> after,
        Func<T, Guid> id, JsonTypeInfo<T> json, CancellationToken cancellationToken)
    {
        var old = new Dictionary<Guid, string>();
        foreach (var item in before)
        {
            old[id(item)] = JsonSerializer.Serialize(item, json);
        }

        var writes = 0;
        var kept = new HashSet<Guid>();
        foreach (var item in after)
        {
            var key = id(item);
            kept.Add(key);
            var body = JsonSerializer.Serialize(item, json);
            if (old.TryGetValue(key, out var previous) && string.Equals(previous, body, StringComparison.Ordinal))
            {
                continue;
            }

            await using var upsert = SqlCommands.Create(connection, transaction, """
                INSERT INTO gateway_entities (kind, id, body) VALUES (@kind, @id, @body)
                ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body
                """, ("kind", kind), ("id", key.ToString()), ("body", body));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
            writes++;
        }

        foreach (var key in old.Keys)
        {
            if (!kept.Contains(key))
            {
                await using var delete = SqlCommands.Create(connection, transaction, "DELETE FROM gateway_entities WHERE kind = @kind AND id = @id", ("kind", kind), ("id", key.ToString()));
                await delete.ExecuteNonQueryAsync(cancellationToken);
                writes++;
            }
        }

        return writes;
    }

    private static T Deserialize<T>(string body, JsonTypeInfo<T> json) =>
        JsonSerializer.Deserialize(body, json) ?? throw new InvalidDataException($"a stored gateway entity is empty: {body}");

}

/// <summary>The gateway's entities in the embedded file.</summary>
internal sealed class SqliteGatewayStore(SqliteStore store) : GatewayStore
{
    protected override string LockVersionSql => "SELECT version FROM gateway_config WHERE singleton = 1";

    protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<DbConnection>(store.OpenConnection());

    protected override Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}

/// <summary>The gateway's entities on the shared database; the version row's lock orders changes from every node.</summary>
internal sealed class PostgresGatewayStore(PostgresStore store) : GatewayStore
{
    protected override string LockVersionSql => "SELECT version FROM gateway_config WHERE singleton = 1 FOR UPDATE";

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await store.DataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(cancellationToken);
}
