using Microsoft.AspNetCore.Http;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>OpenMeter's <c>expand</c> query parameter (repeated or comma-separated); an unknown value is a 400.</summary>
internal static class Expands
{
    public static HashSet<string> Read(IQueryCollection query, string[] allowed)
    {
        var expands = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in query["expand"])
        {
            foreach (var expand in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Array.IndexOf(allowed, expand) < 0)
                {
                    throw new BillingValidationException("expand", $"\"{expand}\" cannot be expanded; the expands are: {string.Join(", ", allowed)}");
                }

                expands.Add(expand);
            }
        }

        return expands;
    }
}
