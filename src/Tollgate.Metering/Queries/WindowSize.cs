using System.Text.Json.Serialization;

namespace Tollgate.Metering.Queries;

/// <summary>The window a meter query aggregates over.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WindowSize>))]
public enum WindowSize
{
    [JsonStringEnumMemberName("MINUTE")] Minute,
    [JsonStringEnumMemberName("HOUR")] Hour,
    [JsonStringEnumMemberName("DAY")] Day,
    [JsonStringEnumMemberName("MONTH")] Month,
}

/// <summary>
/// Window boundaries in a time zone. Minutes and hours follow the offset in force at the instant, so the
/// repeated hour of a DST fall-back is two windows; days and months start at local midnight, so a DST day
/// lasts 23 or 25 hours. A local midnight that does not exist starts the day at the end of the gap.
/// </summary>
public sealed class TimeWindows
{
    private readonly WindowSize _size;
    private readonly TimeZoneInfo _zone;

    public TimeWindows(WindowSize size, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        _size = size;
        _zone = zone;
    }

    /// <summary>Start of the window holding <paramref name="instant"/>.</summary>
    public DateTimeOffset StartOf(DateTimeOffset instant)
    {
        var offset = _zone.GetUtcOffset(instant);
        var local = instant.UtcDateTime + offset;
        switch (_size)
        {
            case WindowSize.Minute:
                return new DateTimeOffset(Floor(local, TimeSpan.TicksPerMinute) - offset, TimeSpan.Zero);
            case WindowSize.Hour:
                return new DateTimeOffset(Floor(local, TimeSpan.TicksPerHour) - offset, TimeSpan.Zero);
            case WindowSize.Day:
                var day = LocalToUtc(local.Date);
                return day <= instant ? day : LocalToUtc(local.Date.AddDays(-1));
            default:
                var month = LocalToUtc(new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified));
                return month <= instant ? month : LocalToUtc(new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(-1));
        }
    }

    /// <summary>End of the window that starts at <paramref name="start"/>.</summary>
    public DateTimeOffset EndOf(DateTimeOffset start)
    {
        switch (_size)
        {
            case WindowSize.Minute:
                return start.AddMinutes(1);
            case WindowSize.Hour:
                return start.AddHours(1);
            default:
                var local = (start.UtcDateTime + _zone.GetUtcOffset(start)).Date;
                var next = _size == WindowSize.Day
                    ? local.AddDays(1)
                    : new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
                return LocalToUtc(next);
        }
    }

    private static DateTime Floor(DateTime local, long unit) => new(local.Ticks - (local.Ticks % unit), DateTimeKind.Unspecified);

    private DateTimeOffset LocalToUtc(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (_zone.IsInvalidTime(local))
        {
            // In a spring-forward gap: the day starts when the clock jumps, i.e. at this wall time in the old offset.
            var before = _zone.GetUtcOffset(local.AddHours(-12));
            return new DateTimeOffset(local - before, TimeSpan.Zero);
        }

        if (_zone.IsAmbiguousTime(local))
        {
            // Repeated wall time: the window starts at its first occurrence (the larger offset).
            var offsets = _zone.GetAmbiguousTimeOffsets(local);
            return new DateTimeOffset(local - offsets.Max(), TimeSpan.Zero);
        }

        return new DateTimeOffset(local - _zone.GetUtcOffset(local), TimeSpan.Zero);
    }
}
