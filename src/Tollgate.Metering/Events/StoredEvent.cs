namespace Tollgate.Metering.Events;

/// <summary>A validated CloudEvent ready to be stored. <see cref="Data"/> is minified JSON or null.</summary>
public sealed record EventRecord(
    string Id,
    string Source,
    string Type,
    string Subject,
    long TimeTicks,
    string? Data,
    string? DataSchema);

/// <summary>An event as the store holds it.</summary>
public sealed record StoredEvent(long Seq, EventRecord Event, long IngestedAtTicks);

/// <summary>Filters of the event listings (v1 and v2); null means no filter.</summary>
public sealed record EventFilter
{
    public string? IdContains { get; init; }
    public string? SubjectContains { get; init; }
    public string? IdEquals { get; init; }
    public string? SourceEquals { get; init; }
    public string? SubjectEquals { get; init; }
    public string? TypeEquals { get; init; }
    public long? TimeFrom { get; init; }
    public long? TimeTo { get; init; }
    public long? IngestedFrom { get; init; }
    public long? IngestedTo { get; init; }

    /// <summary>Cursor: only events ordered strictly after (time desc, seq desc) this position.</summary>
    public (long TimeTicks, long Seq)? After { get; init; }

    public int Limit { get; init; } = 100;
}
