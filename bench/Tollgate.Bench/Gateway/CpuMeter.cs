using System.Diagnostics;
using System.Globalization;

namespace Tollgate.Bench.Gateway;

/// <summary>
/// CPU time of named groups of processes (the upstream, nginx's master and workers, the Tollgate server, this driver)
/// and of the whole machine, read from /proc at the edges of a measured window.
/// </summary>
internal sealed class CpuMeter
{
    public const string Machine = "machine";

    private readonly List<(string Name, Func<TimeSpan?> Read)> _groups = [];

    public IEnumerable<string> Names => _groups.Select(g => g.Name);

    public void Add(string name, Func<TimeSpan?> read) => _groups.Add((name, read));

    /// <summary>Adds a group of fixed process ids, read from <c>/proc/PID/stat</c> (user plus system).</summary>
    public void AddProcesses(string name, IReadOnlyList<int> ids) => Add(name, () =>
    {
        TimeSpan? sum = null;
        foreach (var id in ids)
        {
            if (ProcessTime(id) is { } time)
            {
                sum = (sum ?? TimeSpan.Zero) + time;
            }
        }

        return sum;
    });

    public CpuSample Take()
    {
        var times = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal) { [Machine] = Bench.Machine.BusyTime() };
        foreach (var (name, read) in _groups)
        {
            times[name] = read();
        }

        return new CpuSample(Stopwatch.GetTimestamp(), times);
    }

    /// <summary>Cores each group used between two samples (null where a sample is missing).</summary>
    public static Dictionary<string, double?> Cores(CpuSample? first, CpuSample? last)
    {
        var cores = new Dictionary<string, double?>(StringComparer.Ordinal);
        if (first is null || last is null)
        {
            return cores;
        }

        var wall = Stopwatch.GetElapsedTime(first.Timestamp, last.Timestamp);
        foreach (var (name, end) in last.Times)
        {
            cores[name] = end is { } e && first.Times.GetValueOrDefault(name) is { } s && wall > TimeSpan.Zero ? (e - s) / wall : null;
        }

        return cores;
    }

    public static string Format(double? cores) => cores is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>User plus system time of one process from <c>/proc/PID/stat</c>, or null when it is gone or there is no /proc.</summary>
    public static TimeSpan? ProcessTime(int id)
    {
        try
        {
            var fields = StatFields(id);

            // After "pid (comm)": state is field 3, so utime (14) and stime (15) are at 11 and 12 here; in USER_HZ (100 a second).
            return fields is null ? null : TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The processes whose parent is <paramref name="parent"/>.</summary>
    public static List<int> Children(int parent)
    {
        var children = new List<int>();
        if (!Directory.Exists("/proc"))
        {
            return children;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && StatFields(id) is { } fields
                && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parentId)
                && parentId == parent)
            {
                children.Add(id);
            }
        }

        return children;
    }

    /// <summary>The fields of <c>/proc/PID/stat</c> after the command name (state first).</summary>
    private static string[]? StatFields(int id)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{id}/stat");
            var end = stat.LastIndexOf(')');
            return end < 0 ? null : stat[(end + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>CPU times at one moment, by group name.</summary>
internal sealed record CpuSample(long Timestamp, IReadOnlyDictionary<string, TimeSpan?> Times);
