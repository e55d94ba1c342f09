using System.Text.RegularExpressions;

namespace Tollgate.Billing.Customers;

/// <summary>
/// The body of <c>POST /api/v1/customers</c> (CustomerCreate) and <c>PUT /api/v1/customers/{id}</c>
/// (CustomerReplaceUpdate): the spec gives both the same fields and rules.
/// </summary>
public sealed partial record CustomerInputs
{
    private const int MaxNameLength = 256;
    private const int MaxDescriptionLength = 1024;
    private const int MaxKeyLength = 256;

    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public string? Key { get; init; }

    public CustomerUsageAttribution? UsageAttribution { get; init; }

    public string? PrimaryEmail { get; init; }

    public string? Currency { get; init; }

    public Address? BillingAddress { get; init; }

    /// <summary>
    /// Checks every field on its own (clashes with other customers are checked where the state is: in the change);
    /// the first fault is a 400 naming the field. Key and subject keys are both optional, as in the current
    /// OpenMeter: a customer's id and key attribute usage to it even without subject keys.
    /// </summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new BillingValidationException("name", "is required (1 to 256 characters)");
        }

        if (Name.Length > MaxNameLength)
        {
            throw new BillingValidationException("name", $"is {Name.Length} characters long; at most {MaxNameLength} are allowed");
        }

        if (Description is { Length: > MaxDescriptionLength })
        {
            throw new BillingValidationException("description", $"is {Description.Length} characters long; at most {MaxDescriptionLength} are allowed");
        }

        if (Key is not null && (string.IsNullOrWhiteSpace(Key) || Key.Length > MaxKeyLength))
        {
            throw new BillingValidationException("key", $"must be 1 to {MaxKeyLength} characters and not blank (leave it out for a customer without a key)");
        }

        if (Metadata is not null)
        {
            foreach (var (name, value) in Metadata)
            {
                if (value is null)
                {
                    throw new BillingValidationException($"metadata.{name}", "must be a string");
                }
            }
        }

        ValidateSubjectKeys();

        if (PrimaryEmail is not null && !EmailPattern().IsMatch(PrimaryEmail))
        {
            throw new BillingValidationException("primaryEmail", $"\"{PrimaryEmail}\" is not an email address (name@example.com)");
        }

        if (Currency is not null)
        {
            Currencies.Require("currency", Currency);
        }

        if (BillingAddress?.Country is { } country && !CountryPattern().IsMatch(country))
        {
            throw new BillingValidationException("billingAddress.country", $"\"{country}\" is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. US, DE)");
        }
    }

    private void ValidateSubjectKeys()
    {
        if (UsageAttribution is null)
        {
            return;
        }

        if (UsageAttribution.SubjectKeys is null)
        {
            throw new BillingValidationException("usageAttribution.subjectKeys", "is required (an empty list attributes no subjects)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < UsageAttribution.SubjectKeys.Count; i++)
        {
            var subject = UsageAttribution.SubjectKeys[i];
            if (string.IsNullOrEmpty(subject))
            {
                throw new BillingValidationException($"usageAttribution.subjectKeys[{i}]", "must be a subject key of at least 1 character");
            }

            if (!seen.Add(subject))
            {
                throw new BillingValidationException($"usageAttribution.subjectKeys[{i}]", $"\"{subject}\" is listed twice");
            }
        }
    }

    // Plausible, not RFC 5322: one @, something on both sides, a dot in the domain, no spaces.
    [GeneratedRegex(@"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[A-Z]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex CountryPattern();
}
