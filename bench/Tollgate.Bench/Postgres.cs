using System.Globalization;
using System.Net;
using Npgsql;
using Tollgate.Store.Postgres;

namespace Tollgate.Bench;

/// <summary>Which stores a command runs against, and where PostgreSQL is.</summary>
internal sealed record StoreSettings
{
    public const string Sqlite = "sqlite";

    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> and/or <c>postgres</c>, in the order given, without repeats.</summary>
    public required string[] Stores { get; init; }

    /// <summary>The PostgreSQL server (a <c>postgres://</c> URL or an Npgsql connection string); required when <see cref="Stores"/> holds <c>postgres</c>.</summary>
    public string? PostgresUrl { get; init; }

    /// <summary>Parses <c>--stores</c>; null with <paramref name="error"/> set when it names something else or postgres has no URL.</summary>
    public static StoreSettings? Parse(string stores, string? postgresUrl, out string? error)
    {
        var names = stores.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length == 0 || names.Any(n => n is not (Sqlite or Postgres)))
        {
            error = $"--stores takes sqlite, postgres or both (comma-separated), not \"{stores}\"";
            return null;
        }

        if (names.Contains(Postgres) && string.IsNullOrWhiteSpace(postgresUrl))
        {
            error = """
                --stores postgres needs a PostgreSQL server, and none is given. Start a throwaway one with
                  eval "$(scripts/test-postgres start)"
                (which sets TOLLGATE_TEST_POSTGRES; stop it afterwards with scripts/test-postgres stop "$TOLLGATE_TEST_POSTGRES_DIR"),
                or pass --postgres postgres://USER@HOST:PORT/DATABASE.
                """;
            return null;
        }

        error = null;
        return new StoreSettings { Stores = names, PostgresUrl = string.IsNullOrWhiteSpace(postgresUrl) ? null : postgresUrl };
    }
}

/// <summary>
/// The PostgreSQL server the benchmarks run Tollgate against: a fresh schema per run, counts and sizes read with
/// Npgsql, its settings for the report, and (when it runs on this machine) the CPU of its processes from /proc.
/// </summary>
internal sealed class PostgresServer
{
    /// <summary>Set by <c>eval "$(scripts/test-postgres start)"</c>.</summary>
    public const string UrlVariable = "TOLLGATE_TEST_POSTGRES";

    /// <summary>Linux reports process times in USER_HZ, 100 per second on every architecture .NET runs on.</summary>
    private const double ClockTicksPerSecond = 100;

    private readonly string _url;
    private readonly string _connectionString;
    private int? _postmaster;
    private bool _postmasterLooked;

    public PostgresServer(string url)
    {
        _url = url;
        var builder = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString(url))
        {
            SearchPath = null,
            Pooling = false,
            ApplicationName = "tollgate-bench",
            CommandTimeout = 600,
        };
        _connectionString = builder.ConnectionString;
        Endpoint = $"{builder.Host}:{builder.Port}";
    }

    public static string? DefaultUrl => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } value ? value : null;

    /// <summary><c>host:port</c>, for the report (never the password).</summary>
    public string Endpoint { get; }

    public static string NewSchema() => "bench_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The server's URL with its schema set to <paramref name="schema"/>, replacing any schema it named.</summary>
    public string UrlFor(string schema)
    {
        if (!_url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !_url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new NpgsqlConnectionStringBuilder(_url) { SearchPath = schema }.ConnectionString;
        }

        var question = _url.IndexOf('?', StringComparison.Ordinal);
        var head = question < 0 ? _url : _url[..question];
        var parameters = question < 0 ? [] : _url[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("schema=", StringComparison.OrdinalIgnoreCase) && !p.StartsWith("search_path=", StringComparison.OrdinalIgnoreCase))
            .ToList();
        parameters.Add("schema=" + Uri.EscapeDataString(schema));
        return head + "?" + string.Join('&', parameters);
    }

    /// <summary>Version and the settings that decide durable write throughput, for the report's header.</summary>
    public async Task<string> DescribeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var version = await ScalarAsync<string>(connection, "SHOW server_version", cancellationToken);
        var settings = new List<string>();
        foreach (var name in (string[])["fsync", "synchronous_commit", "shared_buffers", "wal_sync_method", "full_page_writes", "wal_compression", "max_wal_size", "checkpoint_timeout", "commit_delay"])
        {
            await using var command = new NpgsqlCommand("SELECT current_setting(@name)", connection);
            command.Parameters.AddWithValue("name", name);
            settings.Add($"{name}={await command.ExecuteScalarAsync(cancellationToken)}");
        }

        return $"PostgreSQL {version} at {Endpoint}: {string.Join(", ", settings)}";
    }

    public async Task<long> CountEventsAsync(string schema, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {Quote(schema)}.events", cancellationToken);
    }

    /// <summary>Tables of the schema with their indexes and TOAST (<c>pg_total_relation_size</c> over its tables); the WAL is not included.</summary>
    public async Task<long> SchemaBytesAsync(string schema, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relkind IN ('r', 'p', 'm')
            """, connection);
        command.Parameters.AddWithValue("schema", schema);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Rows of a query against the schema (its search path), cells joined by " | ".</summary>
    public async Task<List<string>> RowsAsync(string schema, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using (var path = new NpgsqlCommand("SELECT set_config('search_path', @schema, false)", connection))
        {
            path.Parameters.AddWithValue("schema", Quote(schema));
            await path.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var cells = new string[reader.FieldCount];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? string.Empty;
            }

            rows.Add(string.Join(" | ", cells));
        }

        return rows;
    }

    /// <summary>Deletes a run's data directory and drops its schema, unless the data is to be kept.</summary>
    public static async Task CleanUpAsync(bool keepData, string directory, PostgresServer? postgres, string? schema)
    {
        if (!keepData)
        {
            Repository.DeleteDirectory(directory);
            if (schema is not null)
            {
                await postgres!.DropSchemaAsync(schema);
            }
        }
        else if (schema is not null)
        {
            Console.Error.WriteLine($"bench: kept schema {schema}");
        }
    }

    public async Task DropSchemaAsync(string schema)
    {
        try
        {
            await using var connection = await OpenAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Quote(schema)} CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException exception)
        {
            await Console.Error.WriteLineAsync($"bench: could not drop schema {schema}: {exception.Message}");
        }
    }

    /// <summary>The server's current WAL position; differences give the WAL a run wrote.</summary>
    public async Task<long> WalBytesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ScalarAsync<long>(connection, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint", cancellationToken);
    }

    /// <summary>
    /// User plus system CPU of the postmaster and all its children (backends, WAL writer, checkpointer, ...) so far,
    /// or null when the server is not a process of this machine. Children that exited are no longer counted.
    /// </summary>
    public TimeSpan? CpuTime()
    {
        if (_postmaster is not { } postmaster)
        {
            return null;
        }

        double ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid) is { } stat && (pid == postmaster || stat.Parent == postmaster))
            {
                ticks += stat.Ticks;
            }
        }

        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    /// <summary>Finds the postmaster (the parent of a backend) when the server listens on loopback of this machine; call once before <see cref="CpuTime"/>.</summary>
    public async Task FindProcessesAsync(CancellationToken cancellationToken)
    {
        if (_postmasterLooked)
        {
            return;
        }

        _postmasterLooked = true;
        var host = new NpgsqlConnectionStringBuilder(_connectionString).Host ?? string.Empty;
        var local = host is "localhost" || host.StartsWith('/') || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        if (!local || !OperatingSystem.IsLinux())
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        var backend = await ScalarAsync<int>(connection, "SELECT pg_backend_pid()", cancellationToken);
        if (ReadStat(backend) is { } stat && ReadStat(stat.Parent) is not null
            && File.ReadAllText($"/proc/{stat.Parent}/comm").Trim() is "postgres" or "postmaster")
        {
            _postmaster = stat.Parent;
        }
    }

    /// <summary>
    /// Samples <c>pg_stat_activity</c> every 100 ms from <paramref name="delay"/> on for <paramref name="duration"/>
    /// or until <paramref name="stop"/>: the mean number of Tollgate's connections (application_name <c>tollgate</c>)
    /// in each state or wait.
    /// </summary>
    public async Task<string> SampleWaitsAsync(TimeSpan delay, TimeSpan duration, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
            return "no samples";
        }

        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("""
            SELECT CASE
                WHEN state = 'active' AND wait_event IS NULL THEN 'active, on CPU'
                WHEN state = 'active' THEN 'active, ' || wait_event_type || ':' || wait_event
                WHEN state = 'idle' THEN 'idle'
                ELSE COALESCE(state, '?') || COALESCE(', ' || wait_event_type || ':' || wait_event, '') END
            FROM pg_stat_activity
            WHERE application_name = 'tollgate' AND backend_type = 'client backend'
            """, connection);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var samples = 0;
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end && !stop.IsCancellationRequested)
        {
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    var label = reader.GetString(0);
                    counts[label] = counts.GetValueOrDefault(label) + 1;
                }
            }

            samples++;
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return samples == 0 ? "no samples" : $"{samples} samples: " + string.Join("; ", counts.OrderByDescending(c => c.Value)
            .Select(c => $"{c.Key} {(c.Value / (double)samples).ToString("0.00", CultureInfo.InvariantCulture)}"));
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(cancellationToken))!, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Parent pid and user plus system time in clock ticks from <c>/proc/PID/stat</c>.</summary>
    private static (int Parent, double Ticks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name is in parentheses and may hold spaces: fields are counted after its closing one.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 12
            ? (int.Parse(fields[1], CultureInfo.InvariantCulture), double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture))
            : null;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
