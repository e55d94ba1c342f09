using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Tollgate.Bench;

/// <summary>Percentiles and number formatting for the reports.</summary>
internal static class Stats
{
    /// <summary>Nearest-rank percentile of an ascending array.</summary>
    public static double Percentile(double[] sorted, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    public static string Count(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Bytes(long value) => value >= 1L << 30
        ? (value / (double)(1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB"
        : (value / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MiB";

    public static string Cores(TimeSpan cpu, TimeSpan wall) => wall <= TimeSpan.Zero ? "-" : (cpu / wall).ToString("0.00", CultureInfo.InvariantCulture);
}

/// <summary>A Markdown table printed to standard output, ready to paste into docs/benchmarks.md.</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", headers).Append(" |\n");
        text.Append('|').AppendJoin('|', headers.Select((h, i) => i == 0 ? "---" : "---:")).Append("|\n");
        foreach (var row in _rows)
        {
            text.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        }

        return text.ToString();
    }
}

/// <summary>The machine a run is on, as the report states it.</summary>
internal static class Machine
{
    /// <summary>user, nice, system, irq, softirq and steal in the <c>cpu</c> line of <c>/proc/stat</c>.</summary>
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];

    public static string Describe()
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadFirst("/proc/meminfo", "MemTotal");
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"')
            : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} logical CPUs ({cpu}), memory {memory ?? "?"}, {os ?? RuntimeInformation.OSDescription}, kernel {Environment.OSVersion.Version}, .NET {Environment.Version}");
    }

    /// <summary>
    /// CPU time every process of the machine has used so far (user, nice, system, irq, softirq and steal from the
    /// first line of <c>/proc/stat</c>, not idle or iowait), or null where there is no /proc/stat.
    /// </summary>
    public static TimeSpan? BusyTime()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);

            // cpu user nice system idle iowait irq softirq steal ...; in USER_HZ (100 a second).
            var busy = BusyFields.Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
            return TimeSpan.FromSeconds(busy / 100.0);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static string? ReadFirst(string file, string key)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
