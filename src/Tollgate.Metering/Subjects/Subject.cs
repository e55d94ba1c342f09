namespace Tollgate.Metering.Subjects;

/// <summary>A v1 subject: the key events carry in <c>subject</c>, with optional display details.</summary>
public sealed record Subject
{
    public required string Id { get; init; }
    public required string Key { get; init; }
    public string? DisplayName { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public DateTimeOffset? CurrentPeriodStart { get; init; }
    public DateTimeOffset? CurrentPeriodEnd { get; init; }
    public string? StripeCustomerId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
}

/// <summary>The body of a subject upsert.</summary>
public sealed record SubjectUpsert
{
    public string? Key { get; init; }
    public string? DisplayName { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public DateTimeOffset? CurrentPeriodStart { get; init; }
    public DateTimeOffset? CurrentPeriodEnd { get; init; }
    public string? StripeCustomerId { get; init; }
}
