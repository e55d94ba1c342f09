using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Customers;

/// <summary>
/// Who is billed: a customer, and the usage attributed to them (<see cref="UsageAttribution"/>: the subjects, such
/// as gateway consumers, whose metered usage is theirs; a subject belongs to one customer at most).
/// </summary>
public sealed record Customer : IBillingDocument
{
    public static readonly DocumentKind<Customer> Kind = new("customer", CustomerJson.Default.Customer);

    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public string? Key { get; init; }

    public CustomerUsageAttribution UsageAttribution { get; init; } = new();

    public string? PrimaryEmail { get; init; }

    /// <summary>ISO 4217 code.</summary>
    public string? Currency { get; init; }

    public Address? BillingAddress { get; init; }

    /// <summary>Filled in answers from the customer's active subscription; not stored.</summary>
    public string? CurrentSubscriptionId { get; init; }

    /// <summary>Filled in answers with <c>expand=subscriptions</c>; not stored.</summary>
    public IReadOnlyList<Subscriptions.Subscription>? Subscriptions { get; init; }

    public Dictionary<string, JsonElement>? Annotations { get; init; }

    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>
    /// The subjects whose usage is this customer's: the attributed subject keys, or the customer's key when none
    /// are listed (OpenMeter asks for one or the other).
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string> UsageSubjects => UsageAttribution.SubjectKeys is { Count: > 0 } keys
        ? keys
        : Key is { } key ? [key] : [];
}

/// <summary>The subjects (event <c>subject</c> values) whose usage is attributed to a customer.</summary>
public sealed record CustomerUsageAttribution
{
    public List<string> SubjectKeys { get; init; } = [];
}

/// <summary>A postal address as OpenMeter has it.</summary>
public sealed record Address
{
    /// <summary>ISO 3166-1 alpha-2.</summary>
    public string? Country { get; init; }

    public string? PostalCode { get; init; }

    public string? State { get; init; }

    public string? City { get; init; }

    public string? Line1 { get; init; }

    public string? Line2 { get; init; }

    public string? PhoneNumber { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false)]
[JsonSerializable(typeof(Customer))]
[JsonSerializable(typeof(CustomerInputs))]
[JsonSerializable(typeof(List<Customer>))]
[JsonSerializable(typeof(PaginatedResponse<Customer>))]
internal sealed partial class CustomerJson : JsonSerializerContext;
