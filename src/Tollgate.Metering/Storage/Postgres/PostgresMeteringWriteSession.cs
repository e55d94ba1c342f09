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
    private readonly PostgresEventPartitions _partitions;
    private readonly long _ingestLock;
    private readonly SortedDictionary<RollupKey, AggregateState> _rollups = new(RollupKeyOrder.Instance);
    private readonly List<(long Meter, string Subject, long Minute, string Group, string Value)> _distinct = [];

    public PostgresMeteringWriteSession(PostgresStore store, PostgresEventPartitions partitions)
        : base(store.DataSource.OpenConnection())
    {
        _store = store;
        _partitions = partitions;
        _ingestLock = store.LockKey("metering-ingest");
    }

    private NpgsqlConnection Npgsql => (NpgsqlConnection)Connection;

    public override void Prepare(IReadOnlyList<EventRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        Reconnect();
        _partitions.Ensure(Npgsql, records.Select(r => r.TimeTicks));
    }

    public override void Begin(bool exclusive = false)
    {
        Reconnect();

        Transaction = Npgsql.BeginTransaction();
        using var command = new NpgsqlCommand(exclusive ? "SELECT pg_advisory_xact_lock(@key)" : "SELECT pg_advisory_xact_lock_shared(@key)", Npgsql, (NpgsqlTransaction)Transaction);
        command.Parameters.AddWithValue("key", _ingestLock);
        command.ExecuteNonQuery();
    }

    public override void Commit()
    {
        Flush();
        CommitTransaction();
    }

    public override void Rollback()
    {
        _rollups.Clear();
        _distinct.Clear();
        RollbackTransaction();
    }

    public override void InsertEvents(IReadOnlyList<EventRecord> records, long ingestedAtTicks, Span<InsertOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(records);

        // The first of each key is the candidate, and candidates go in key order (ordinal, the same on every node), so
        // writers on several nodes take their locks in the same order and cannot deadlock; PostgreSQL sorts nothing.
        var candidates = new Dictionary<(string, string), int>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            candidates.TryAdd((records[i].Source, records[i].Id), i);
        }

        var order = candidates.Values.ToArray();
        Array.Sort(order, (x, y) =>
        {
            var c = string.CompareOrdinal(records[x].Source, records[y].Source);
            return c != 0 ? c : string.CompareOrdinal(records[x].Id, records[y].Id);
        });
        var count = order.Length;
        var sources = new string[count];
        var ids = new string[count];
        var types = new string[count];
        var subjects = new string[count];
        var times = new long[count];
        var data = new string?[count];
        var schemas = new string?[count];
        for (var n = 0; n < count; n++)
        {
            var record = records[order[n]];
            (sources[n], ids[n], types[n], subjects[n], times[n], data[n], schemas[n]) =
                (record.Source, record.Id, record.Type, record.Subject, record.TimeTicks, record.Data, record.DataSchema);
        }

        // Only keys new to event_keys become events.
        using var insert = new NpgsqlCommand("""
            WITH input AS (
                SELECT * FROM unnest(@sources, @ids, @types, @subjects, @times, @data, @schemas) WITH ORDINALITY
                    AS e(source, id, type, subject, time, data, dataschema, ord)),
            keys AS (
                INSERT INTO event_keys (source, id) SELECT source, id FROM input ORDER BY ord
                ON CONFLICT (source, id) DO NOTHING
                RETURNING seq, source, id)
            INSERT INTO events (seq, source, id, type, subject, time, ingested_at, data, dataschema)
            SELECT k.seq, i.source, i.id, i.type, i.subject, i.time, @ingested, i.data, i.dataschema
            FROM keys k JOIN input i ON i.source = k.source AND i.id = k.id
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
        try
        {
            using var reader = insert.ExecuteReader();
            while (reader.Read())
            {
                inserted[(reader.GetString(1), reader.GetString(2))] = reader.GetInt64(0);
            }
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.CheckViolation)
        {
            // Among others, "no partition for this row": another node may have detached a month this one thought it
            // had; the writer retries, and Prepare creates it again.
            _partitions.Forget();
            throw;
        }

        var stored = new Dictionary<(string, string), (long Seq, StoredEvent? Event)>();
        var missing = new List<int>();
        for (var i = 0; i < records.Count; i++)
        {
            var key = (records[i].Source, records[i].Id);
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
        // A key whose event was archived with its month still counts as a repeat.
        using (var find = new NpgsqlCommand($"""
            SELECT k.seq, e.id, e.source, e.type, e.subject, e.time, e.data, e.dataschema, e.ingested_at, k.source, k.id
            FROM event_keys k LEFT JOIN events e ON e.seq = k.seq
            WHERE (k.source, k.id) IN (SELECT * FROM unnest(@sources, @ids))
            """, Npgsql, (NpgsqlTransaction?)Transaction))
        {
            find.Parameters.AddWithValue("sources", missing.Select(i => records[i].Source).ToArray());
            find.Parameters.AddWithValue("ids", missing.Select(i => records[i].Id).ToArray());
            using var reader = find.ExecuteReader();
            while (reader.Read())
            {
                var key = (reader.GetString(9), reader.GetString(10));
                stored[key] = (reader.GetInt64(0), reader.IsDBNull(1) ? null : RelationalMeteringStore.ReadEvent(reader));
            }
        }

        foreach (var i in missing)
        {
            var (seq, first) = stored[(records[i].Source, records[i].Id)];
            var record = records[i];
            var same = first is null || (first.Event.Type == record.Type && first.Event.Subject == record.Subject && first.Event.TimeTicks == record.TimeTicks
                && first.Event.Data == record.Data && first.Event.DataSchema == record.DataSchema);
            outcomes[i] = new InsertOutcome(seq, Inserted: false, Conflict: !same);
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

    /// <summary>After the connection broke (server restart, failover, network), a fresh one from the pool carries on.</summary>
    private void Reconnect()
    {
        if (Npgsql.State != ConnectionState.Open)
        {
            Connection.Dispose();
            Connection = _store.DataSource.OpenConnection();
        }
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
