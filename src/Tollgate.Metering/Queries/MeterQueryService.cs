using System.Text.Json;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Queries;

/// <summary>A query the meter cannot answer as asked, naming the parameter at fault.</summary>
public sealed class MeterQueryException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;

    public string Reason { get; } = message;
}

/// <summary>
/// Answers meter queries from the rollups: the range is cut into windows, each window into the coarsest
/// rollup buckets that fit it, and raw events are read only for sub-minute edges. The work depends on the
/// queried range and groups, not on how many events the store holds.
/// </summary>
public sealed class MeterQueryService(IMeteringStore store)
{
    /// <summary>More windows than this in one answer is a mistake (a MINUTE query over years), refused with a 400.</summary>
    public const int MaxWindows = 100_000;

    public async Task<MeterQueryResult> QueryAsync(CompiledMeter meter, MeterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(query);
        var plan = Plan.Create(meter, query);
        var result = new MeterQueryResult(query.From, query.To, query.WindowSize, []);
        var from = query.From?.UtcTicks;
        var to = query.To?.UtcTicks;
        if (from is null || to is null)
        {
            if (await store.GetDataSpanAsync(meter.Meter.Number, cancellationToken) is not { } span)
            {
                return result;
            }

            from ??= span.First;
            to ??= span.End;
        }

        if (from >= to)
        {
            return result;
        }

        var windows = Windows(query, from.Value, to.Value);
        var segments = new List<QuerySegment>();

        // Read before the rows: coverage only grows, and the rows read after it are at least as recent.
        var coverage = await store.ReadCoverageAsync(cancellationToken);
        foreach (var (start, end) in windows)
        {
            // Windows keep their calendar bounds in the answer; only the part inside [from, to) is read.
            SegmentPlanner.Plan(Math.Max(start, from.Value), Math.Min(end, to.Value), coverage, segments);
        }

        var starts = windows.Select(w => Math.Max(w.Start, from.Value)).ToArray();
        var accumulator = new Accumulator(plan, meter.Meter.Aggregation);
        var subjects = query.Subjects is { Count: > 0 } s ? s : null;
        foreach (var segment in segments)
        {
            if (segment.Level == RollupLevel.Raw)
            {
                foreach (var record in await store.ReadEventsAsync(meter.Meter.EventType, segment.Start, segment.End, subjects, cancellationToken))
                {
                    using var document = record.Data is null ? null : JsonDocument.Parse(record.Data);
                    if (meter.Extract(record.Subject, record.TimeTicks, document?.RootElement ?? default, out _) is { } c)
                    {
                        accumulator.Add(WindowOf(starts, c.TimeTicks), c.Subject, c.GroupKey, AggregateState.Of(c.Value, c.TimeTicks), c.DistinctValue);
                    }
                }
            }
            else if (meter.Meter.Aggregation == MeterAggregation.UniqueCount)
            {
                foreach (var row in await store.ReadDistinctValuesAsync(meter.Meter.Number, segment.Start, segment.End, subjects, cancellationToken))
                {
                    accumulator.Add(WindowOf(starts, row.BucketStart), row.Subject, row.GroupKey, default, row.Value);
                }
            }
            else
            {
                foreach (var row in await store.ReadRollupsAsync(meter.Meter.Number, segment.Level, segment.Start, segment.End, subjects, cancellationToken))
                {
                    accumulator.Add(WindowOf(starts, row.BucketStart), row.Subject, row.GroupKey, row.State, null);
                }
            }
        }

        return result with { Data = accumulator.Rows(windows) };
    }

    /// <summary>
    /// The values <paramref name="groupByKey"/> has taken in the meter's usage between <paramref name="from"/> and
    /// <paramref name="to"/> (ticks, open when null), sorted; <c>subject</c> lists the subjects.
    /// </summary>
    public async Task<IReadOnlyList<string>> GroupByValuesAsync(CompiledMeter meter, string groupByKey, long? from, long? to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meter);
        if (groupByKey == "subject")
        {
            return await store.ListMeterSubjectsAsync(meter.Meter.Number, from, to, cancellationToken);
        }

        var position = meter.GroupKeys.ToList().IndexOf(groupByKey);
        if (position < 0)
        {
            throw new MeterQueryException("groupByKey", $"\"{groupByKey}\" is not a group-by key of meter {meter.Meter.Slug}");
        }

        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var groupKey in await store.ListGroupKeysAsync(meter.Meter.Number, from, to, cancellationToken))
        {
            if (CompiledMeter.DecodeGroupKey(groupKey, meter.GroupKeys.Count)[position] is { } value)
            {
                values.Add(value);
            }
        }

        return [.. values];
    }

    private static List<(long Start, long End)> Windows(MeterQuery query, long from, long to)
    {
        var windows = new List<(long, long)>();
        if (query.WindowSize is not { } size)
        {
            windows.Add((from, to));
            return windows;
        }

        var calendar = new TimeWindows(size, query.WindowTimeZone);
        var start = calendar.StartOf(new DateTimeOffset(from, TimeSpan.Zero));
        while (start.UtcTicks < to)
        {
            var end = calendar.EndOf(start);
            windows.Add((start.UtcTicks, end.UtcTicks));
            if (windows.Count > MaxWindows)
            {
                throw new MeterQueryException("windowSize", $"the query spans more than {MaxWindows} windows; use a larger windowSize or a shorter range");
            }

            start = end;
        }

        return windows;
    }

    private static int WindowOf(long[] starts, long ticks)
    {
        var index = Array.BinarySearch(starts, ticks);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>Which stored group-by positions the answer keeps and which it filters on.</summary>
    private sealed record Plan(bool BySubject, int[] Output, string[] OutputKeys, (int Position, Func<string?, bool> Accepts)[] Filters, int KeyCount)
    {
        public static Plan Create(CompiledMeter meter, MeterQuery query)
        {
            var keys = meter.GroupKeys;
            var bySubject = query.Subjects is { Count: > 0 };
            var output = new List<(int, string)>();
            foreach (var key in query.GroupBy)
            {
                if (key == "subject")
                {
                    bySubject = true;
                    continue;
                }

                var position = IndexOf(keys, key) ?? throw new MeterQueryException("groupBy", $"\"{key}\" is not a group-by key of meter {meter.Meter.Slug}; it has {Describe(keys)}");
                if (!output.Contains((position, key)))
                {
                    output.Add((position, key));
                }
            }

            var filters = new List<(int, Func<string?, bool>)>();
            foreach (var (key, values) in query.FilterGroupBy ?? new Dictionary<string, IReadOnlyList<string>>())
            {
                var position = IndexOf(keys, key) ?? throw new MeterQueryException($"filterGroupBy[{key}]", $"\"{key}\" is not a group-by key of meter {meter.Meter.Slug}; it has {Describe(keys)}");
                var allowed = values.ToHashSet(StringComparer.Ordinal);
                filters.Add((position, value => value is not null && allowed.Contains(value)));
            }

            foreach (var (key, filter) in query.AdvancedGroupByFilters ?? new Dictionary<string, StringFilter>())
            {
                var field = $"advancedMeterGroupByFilters.{key}";
                var position = IndexOf(keys, key) ?? throw new MeterQueryException(field, $"\"{key}\" is not a group-by key of meter {meter.Meter.Slug}; it has {Describe(keys)}");
                if (filter.Problem() is { } problem)
                {
                    throw new MeterQueryException(field, problem);
                }

                filters.Add((position, filter.Matches));
            }

            return new Plan(bySubject, [.. output.Select(o => o.Item1)], [.. output.Select(o => o.Item2)], [.. filters], keys.Count);
        }

        private static int? IndexOf(IReadOnlyList<string> keys, string key)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                if (keys[i] == key)
                {
                    return i;
                }
            }

            return null;
        }

        private static string Describe(IReadOnlyList<string> keys) => keys.Count == 0 ? "none" : string.Join(", ", keys);
    }

    /// <summary>Merges rollup rows into answer rows keyed by window, subject and the kept group values.</summary>
    private sealed class Accumulator(Plan plan, MeterAggregation aggregation)
    {
        private readonly Dictionary<string, string?[]?> _decoded = new(StringComparer.Ordinal);
        private readonly Dictionary<(int Window, string? Subject, string Group), Entry> _entries = [];

        public void Add(int window, string subject, string groupKey, in AggregateState state, string? distinct)
        {
            if (!_decoded.TryGetValue(groupKey, out var values))
            {
                values = CompiledMeter.DecodeGroupKey(groupKey, plan.KeyCount);
                foreach (var (position, accepts) in plan.Filters)
                {
                    if (!accepts(values[position]))
                    {
                        values = null;
                        break;
                    }
                }

                _decoded[groupKey] = values;
            }

            if (values is null)
            {
                return;
            }

            var kept = new string?[plan.Output.Length];
            for (var i = 0; i < kept.Length; i++)
            {
                kept[i] = values[plan.Output[i]];
            }

            var key = (window, plan.BySubject ? subject : null, JsonSerializer.Serialize(kept, Api.MeteringJsonContext.Default.StringArray));
            if (!_entries.TryGetValue(key, out var entry))
            {
                entry = new Entry(kept);
                _entries[key] = entry;
            }

            entry.State.Merge(state);
            if (distinct is not null)
            {
                (entry.Distinct ??= new HashSet<string>(StringComparer.Ordinal)).Add(distinct);
            }
        }

        public List<MeterQueryRow> Rows(List<(long Start, long End)> windows)
        {
            var rows = new List<MeterQueryRow>(_entries.Count);
            foreach (var ((window, subject, _), entry) in _entries.OrderBy(e => e.Key.Window).ThenBy(e => e.Key.Subject, StringComparer.Ordinal).ThenBy(e => e.Key.Group, StringComparer.Ordinal))
            {
                var value = aggregation == MeterAggregation.UniqueCount ? entry.Distinct?.Count ?? 0 : entry.State.Result(aggregation);
                if (value is null)
                {
                    continue;
                }

                var groupBy = new Dictionary<string, string?>(plan.OutputKeys.Length, StringComparer.Ordinal);
                for (var i = 0; i < plan.OutputKeys.Length; i++)
                {
                    groupBy[plan.OutputKeys[i]] = entry.Kept[i];
                }

                var (start, end) = windows[window];
                rows.Add(new MeterQueryRow(value.Value, new DateTimeOffset(start, TimeSpan.Zero), new DateTimeOffset(end, TimeSpan.Zero), subject, groupBy));
            }

            return rows;
        }

        private sealed class Entry(string?[] kept)
        {
            public AggregateState State;

            public HashSet<string>? Distinct { get; set; }

            public string?[] Kept { get; } = kept;
        }
    }
}
