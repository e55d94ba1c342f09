using System.Text.RegularExpressions;

namespace Tollgate.Billing;

/// <summary>
/// Resource keys: lowercase letters and digits in words joined by single underscores (OpenMeter's rule) or hyphens
/// (the seed's feature is <c>ai-token</c>, and a feature name typed in the console becomes its key), at most 64.
/// </summary>
public static partial class Keys
{
    public static string Require(string field, string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new BillingValidationException(field, "is required");
        }

        if (key.Length > 64 || !Pattern().IsMatch(key))
        {
            throw new BillingValidationException(field, $"\"{key}\" is not a valid key: use lowercase letters and digits, words joined by single underscores or hyphens (^[a-z0-9]+(?:[_-][a-z0-9]+)*$), at most 64 characters");
        }

        return key;
    }

    [GeneratedRegex("^[a-z0-9]+(?:[_-][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
