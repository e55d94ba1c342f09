using System.Data;
using Npgsql;
using NpgsqlTypes;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Storage.Relational;
using Tollgate.Store.Postgres;

namespace Tollgate.Metering.Storage.Postgres;

/// <summary>
/// A node's writer session on the shared database. Events go in as one <c>INSERT … SELECT FROM unnest(…)</c> per
/// request and rollup deltas as one upsert per transaction, with PostgreSQL's own <c>numeric</c> arithmetic, in key
/// order so that writers on several nodes never deadlock on rollup rows. Every transaction holds the ingest lock:
/// shared for ingest, exclusive for catalog changes, rebuild steps and compaction, which therefore see no ingest in
/// flight on any node.
/// </summary>
internal sealed class PostgresMeteringWriteSession : RelationalWriteSession
{
    private readonly PostgresStore _store;
    private readonly long _ingestLock;
    private readonly SortedDictionary<RollupKey, AggregateState> _rollups = new(RollupKeyOrder.Instance);
    private readonly List<(long Meter, string Subject, long Minute, string Group, string Value)> _distinct = [];

    public PostgresMeteringWriteSession(PostgresStore store)
        : base(store.DataSource.OpenConnection())
    {
        _store = store;
        _ingestLock = store.LockKey("metering-ingest");
    }

    private NpgsqlConnection Npgsql => (NpgsqlConnection)Connection;

    public override void Begin(bool exclusive = false)
    {
        if (Npgsql.State != ConnectionState.Open)
        {
            // The connection broke (server restart, network); a fresh one from the pool carries on.
            Connection.Dispose();
            Connection = _store.DataSource.OpenConnection();
        }

        Transaction = Npgsql.BeginTransaction();
        using var command = new NpgsqlCommand(exclusive ? "SELECT pg_advisory_xact_lock(@key)" : "SELECT pg_advisory_xact_lock_shared(@key)", Npgsql, (NpgsqlTransaction)Transaction);
        command.Parameters.AddWithValue("key", _ingestLock);
        command.ExecuteNonQuery();
    }

    public override void Commit()
    {
        Flush();
        Transaction!.Commit();
        Transaction.Dispose();
        Transaction = null;
    }

    public override void Rollback()
    {
        _rollups.Clear();
        _distinct.Clear();
        if (Transaction is null)
        {
            return;
        }

        try
        {
            Transaction.Rollback();
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            // The connection is gone, and the server has rolled the transaction back with it.
        }

        Transaction.Dispose();
        Transaction = null;
    }

    public override void InsertEvents(IReadOnlyList<EventRecord> records, long ingestedAtTicks, Span<InsertOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(records);
        var count = records.Count;
        var sources = new string[count];
        var ids = new string[count];
        var types = new string[count];
        var subjects = new string[count];
        var times = new long[count];
        var data = new string?[count];
        var schemas = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var record = records[i];
            (sources[i], ids[i], types[i], subjects[i], times[i], data[i], schemas[i]) =
                (record.Source, record.Id, record.Type, record.Subject, record.TimeTicks, record.Data, record.DataSchema);
        }

        // Rows go in key order, so writers on several nodes lock index entries in the same order (no deadlock), and
        // of two events with one key in the same list the first is kept.
        using var insert = new NpgsqlCommand("""
            INSERT INTO events (source, id, type, subject, time, ingested_at, data, dataschema)
            SELECT source, id, type, subject, time, @ingested, data, dataschema
            FROM unnest(@sources, @ids, @types, @subjects, @times, @data, @schemas) WITH ORDINALITY
                AS e(source, id, type, subject, time, data, dataschema, ord)
            ORDER BY source, id, ord
            ON CONFLICT (source, id) DO NOTHING
            RETURNING seq, source, id
            """, Npgsql, (NpgsqlTransaction?)Transaction);
        insert.Parameters.AddWithValue("ingested", ingestedAtTicks);
        insert.Parameters.AddWithValue("sources", sources);
        insert.Parameters.AddWithValue("ids", ids);
        insert.Parameters.AddWithValue("types", types);
        insert.Parameters.AddWithValue("subjects", subjects);
        insert.Parameters.AddWithValue("times", times);
        insert.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = data });
        insert.Parameters.Add(new NpgsqlParameter("schemas", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = schemas });
        var inserted = new Dictionary<(string, string), long>(count);
        using (var reader = insert.ExecuteReader())
        {
            while (reader.Read())
            {
                inserted[(reader.GetString(1), reader.GetString(2))] = reader.GetInt64(0);
            }
        }

        var stored = new Dictionary<(string, string), StoredEvent>();
        var missing = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var key = (sources[i], ids[i]);
            if (inserted.Remove(key, out var seq))
            {
                outcomes[i] = new InsertOutcome(seq, Inserted: true, Conflict: false);
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        // Already stored (earlier, or earlier in this list): the same payload is a plain repeat, another is a conflict.
        using (var find = new NpgsqlCommand($"""
            SELECT {RelationalMeteringStore.EventColumns} FROM events
            WHERE (source, id) IN (SELECT * FROM unnest(@sources, @ids))
            """, Npgsql, (NpgsqlTransaction?)Transaction))
        {
            find.Parameters.AddWithValue("sources", missing.Select(i => sources[i]).ToArray());
            find.Parameters.AddWithValue("ids", missing.Select(i => ids[i]).ToArray());
            using var reader = find.ExecuteReader();
            while (reader.Read())
            {
                var row = RelationalMeteringStore.ReadEvent(reader);
                stored[(row.Event.Source, row.Event.Id)] = row;
            }
        }

        foreach (var i in missing)
        {
            var first = stored[(sources[i], ids[i])];
            var record = records[i];
            var same = first.Event.Type == record.Type && first.Event.Subject == record.Subject && first.Event.TimeTicks == record.TimeTicks
                && first.Event.Data == record.Data && first.Event.DataSchema == record.DataSchema;
            outcomes[i] = new InsertOutcome(first.Seq, Inserted: false, Conflict: !same);
        }
    }

    public override void MergeRollup(in RollupKey key, in AggregateState delta)
    {
        if (_rollups.TryGetValue(key, out var buffered))
        {
            buffered.Merge(delta);
            _rollups[key] = buffered;
        }
        else
        {
            _rollups[key] = delta;
        }
    }

    public override void AddDistinctValue(long meterNumber, string subject, long minute, string groupKey, string value) =>
        _distinct.Add((meterNumber, subject, minute, groupKey, value));

    protected override void Flush()
    {
        if (_rollups.Count > 0)
        {
            FlushRollups();
        }

        if (_distinct.Count > 0)
        {
            _distinct.Sort((x, y) => (x.Meter, x.Subject, x.Minute, x.Group, x.Value).CompareTo((y.Meter, y.Subject, y.Minute, y.Group, y.Value)));
            using var command = new NpgsqlCommand("""
                INSERT INTO meter_distinct_values (meter_num, subject, bucket_start, group_key, value)
                SELECT * FROM unnest(@meters, @subjects, @buckets, @groups, @values) ON CONFLICT DO NOTHING
                """, Npgsql, (NpgsqlTransaction?)Transaction);
            command.Parameters.AddWithValue("meters", _distinct.Select(d => d.Meter).ToArray());
            command.Parameters.AddWithValue("subjects", _distinct.Select(d => d.Subject).ToArray());
            command.Parameters.AddWithValue("buckets", _distinct.Select(d => d.Minute).ToArray());
            command.Parameters.AddWithValue("groups", _distinct.Select(d => d.Group).ToArray());
            command.Parameters.AddWithValue("values", _distinct.Select(d => d.Value).ToArray());
            command.ExecuteNonQuery();
            _distinct.Clear();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Rollback();
            Connection.Dispose();
        }

        base.Dispose(disposing);
    }

    private void FlushRollups()
    {
        var count = _rollups.Count;
        var meters = new long[count];
        var levels = new long[count];
        var subjects = new string[count];
        var buckets = new long[count];
        var groups = new string[count];
        var counts = new long[count];
        var sums = new decimal[count];
        var mins = new decimal?[count];
        var maxs = new decimal?[count];
        var latestTimes = new long?[count];
        var latests = new decimal?[count];
        var i = 0;
        foreach (var (key, state) in _rollups)
        {
            (meters[i], levels[i], subjects[i], buckets[i], groups[i]) = (key.MeterNumber, (long)key.Level, key.Subject, key.BucketStart, key.GroupKey);
            (counts[i], sums[i], mins[i], maxs[i]) = (state.Count, state.Sum, state.Min, state.Max);
            latestTimes[i] = state.Latest is null ? null : state.LatestTicks;
            latests[i] = state.Latest;
            i++;
        }

        // Keys arrive sorted, so every node locks rollup rows in the same order.
        using var command = new NpgsqlCommand("""
            INSERT INTO meter_rollups AS r (meter_num, level, subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value)
            SELECT * FROM unnest(@meters, @levels, @subjects, @buckets, @groups, @counts, @sums, @mins, @maxs, @latestTimes, @latests)
            ON CONFLICT (meter_num, level, subject, bucket_start, group_key) DO UPDATE SET
                count = r.count + excluded.count,
                sum = COALESCE(r.sum, 0) + COALESCE(excluded.sum, 0),
                min = LEAST(r.min, excluded.min),
                max = GREATEST(r.max, excluded.max),
                latest_value = CASE WHEN r.latest_time IS NULL OR excluded.latest_time >= r.latest_time THEN excluded.latest_value ELSE r.latest_value END,
                latest_time = CASE WHEN r.latest_time IS NULL OR excluded.latest_time >= r.latest_time THEN excluded.latest_time ELSE r.latest_time END
            """, Npgsql, (NpgsqlTransaction?)Transaction);
        command.Parameters.AddWithValue("meters", meters);
        command.Parameters.AddWithValue("levels", levels);
        command.Parameters.AddWithValue("subjects", subjects);
        command.Parameters.AddWithValue("buckets", buckets);
        command.Parameters.AddWithValue("groups", groups);
        command.Parameters.AddWithValue("counts", counts);
        command.Parameters.AddWithValue("sums", sums);
        command.Parameters.Add(new NpgsqlParameter("mins", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = mins });
        command.Parameters.Add(new NpgsqlParameter("maxs", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = maxs });
        command.Parameters.Add(new NpgsqlParameter("latestTimes", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = latestTimes });
        command.Parameters.Add(new NpgsqlParameter("latests", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = latests });
        command.ExecuteNonQuery();
        _rollups.Clear();
    }

    /// <summary>The primary key's order, the same on every node.</summary>
    private sealed class RollupKeyOrder : IComparer<RollupKey>
    {
        public static readonly RollupKeyOrder Instance = new();

        public int Compare(RollupKey x, RollupKey y)
        {
            var c = x.MeterNumber.CompareTo(y.MeterNumber);
            c = c != 0 ? c : x.Level.CompareTo(y.Level);
            c = c != 0 ? c : string.CompareOrdinal(x.Subject, y.Subject);
            c = c != 0 ? c : x.BucketStart.CompareTo(y.BucketStart);
            return c != 0 ? c : string.CompareOrdinal(x.GroupKey, y.GroupKey);
        }
    }
}
