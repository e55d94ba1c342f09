using Tollgate.Metering.Queries;

namespace Tollgate.Metering.Tests.Queries;

public sealed class TimeWindowsTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
    private static readonly TimeZoneInfo Santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");

    private static DateTimeOffset T(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    private static (DateTimeOffset Start, DateTimeOffset End) Window(WindowSize size, TimeZoneInfo zone, string instant)
    {
        var windows = new TimeWindows(size, zone);
        var start = windows.StartOf(T(instant));
        return (start, windows.EndOf(start));
    }

    [Fact]
    public void Utc_windows_are_calendar_aligned()
    {
        Assert.Equal((T("2024-02-29T13:07:00Z"), T("2024-02-29T13:08:00Z")), Window(WindowSize.Minute, TimeZoneInfo.Utc, "2024-02-29T13:07:59.9Z"));
        Assert.Equal((T("2024-02-29T13:00:00Z"), T("2024-02-29T14:00:00Z")), Window(WindowSize.Hour, TimeZoneInfo.Utc, "2024-02-29T13:07:59Z"));
        Assert.Equal((T("2024-02-29T00:00:00Z"), T("2024-03-01T00:00:00Z")), Window(WindowSize.Day, TimeZoneInfo.Utc, "2024-02-29T23:59:59Z"));
        Assert.Equal((T("2024-02-01T00:00:00Z"), T("2024-03-01T00:00:00Z")), Window(WindowSize.Month, TimeZoneInfo.Utc, "2024-02-15T00:00:00Z"));
    }

    [Fact]
    public void The_spring_forward_day_in_new_york_lasts_23_hours()
    {
        var (start, end) = Window(WindowSize.Day, NewYork, "2024-03-10T12:00:00Z");
        Assert.Equal((T("2024-03-10T05:00:00Z"), T("2024-03-11T04:00:00Z")), (start, end));
        Assert.Equal(TimeSpan.FromHours(23), end - start);
    }

    [Fact]
    public void The_fall_back_day_in_new_york_lasts_25_hours_and_its_repeated_hour_is_two_windows()
    {
        var (start, end) = Window(WindowSize.Day, NewYork, "2024-11-03T12:00:00Z");
        Assert.Equal(TimeSpan.FromHours(25), end - start);
        Assert.Equal(T("2024-11-03T04:00:00Z"), start);

        // 01:30 EDT and 01:30 EST are an hour apart and land in different hourly windows.
        Assert.Equal((T("2024-11-03T05:00:00Z"), T("2024-11-03T06:00:00Z")), Window(WindowSize.Hour, NewYork, "2024-11-03T05:30:00Z"));
        Assert.Equal((T("2024-11-03T06:00:00Z"), T("2024-11-03T07:00:00Z")), Window(WindowSize.Hour, NewYork, "2024-11-03T06:30:00Z"));
    }

    [Fact]
    public void Kolkata_hours_and_days_start_on_the_half_hour_in_utc()
    {
        Assert.Equal((T("2024-01-01T18:30:00Z"), T("2024-01-02T18:30:00Z")), Window(WindowSize.Day, Kolkata, "2024-01-02T10:00:00Z"));
        Assert.Equal((T("2024-01-02T09:30:00Z"), T("2024-01-02T10:30:00Z")), Window(WindowSize.Hour, Kolkata, "2024-01-02T10:00:00Z"));
    }

    [Fact]
    public void A_month_in_new_york_spans_the_dst_change()
    {
        Assert.Equal((T("2024-03-01T05:00:00Z"), T("2024-04-01T04:00:00Z")), Window(WindowSize.Month, NewYork, "2024-03-20T00:00:00Z"));
    }

    [Fact]
    public void A_day_whose_midnight_does_not_exist_starts_when_the_clock_jumps()
    {
        // Santiago springs forward at 00:00 local on 2024-09-08: the day starts at 00:00 -04:00 = 01:00 -03:00.
        var (start, end) = Window(WindowSize.Day, Santiago, "2024-09-08T12:00:00Z");
        Assert.Equal(T("2024-09-08T04:00:00Z"), start);
        Assert.Equal(T("2024-09-09T03:00:00Z"), end);
    }
}
