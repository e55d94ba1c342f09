namespace Tollgate.Metering.Queries;

/// <summary>A meter query, as the v1 API takes it (GET parameters or POST body).</summary>
public sealed record MeterQuery
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public WindowSize? WindowSize { get; init; }
    public TimeZoneInfo WindowTimeZone { get; init; } = TimeZoneInfo.Utc;
    public IReadOnlyList<string>? Subjects { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? FilterGroupBy { get; init; }
    public IReadOnlyDictionary<string, StringFilter>? AdvancedGroupByFilters { get; init; }
    public IReadOnlyList<string> GroupBy { get; init; } = [];
}

/// <summary>One aggregated value for a window, subject and group.</summary>
public sealed record MeterQueryRow(
    decimal Value,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    string? Subject,
    IReadOnlyDictionary<string, string?> GroupBy);

/// <summary>The answer to a meter query.</summary>
public sealed record MeterQueryResult(
    DateTimeOffset? From,
    DateTimeOffset? To,
    WindowSize? WindowSize,
    IReadOnlyList<MeterQueryRow> Data);
