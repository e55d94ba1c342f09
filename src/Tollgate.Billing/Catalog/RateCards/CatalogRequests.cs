using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>
/// Reads catalog bodies (plans, add-ons): like <see cref="BillingEndpoints.ReadAsync{T}"/>, but a missing
/// required property or a missing/unknown <c>type</c> of a rate card, price or entitlement is a 400 naming
/// that very field (<c>phases[0].rateCards[0].type</c>).
/// </summary>
public static partial class CatalogRequests
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            throw new BillingUnsupportedMediaTypeException();
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted)
                ?? throw new BillingValidationException("$", "the body must be a JSON object");
        }
        catch (JsonException exception)
        {
            var path = Field(exception.Path);
            if (MissingRequired().Match(exception.Message) is { Success: true } missing)
            {
                throw new BillingValidationException(Join(path, missing.Groups[1].Value), "is required");
            }

            if (exception.Message.Contains("type discriminator", StringComparison.Ordinal))
            {
                throw new BillingValidationException(path.EndsWith(".type", StringComparison.Ordinal) ? path : Join(path, "type"), "is not a known type here");
            }

            if (path.Length > 0)
            {
                throw new BillingValidationException(path, exception.Message.StartsWith("must ", StringComparison.Ordinal) ? exception.Message : "has the wrong type or format");
            }

            throw new BillingValidationException("$", "the body is not valid JSON");
        }
        catch (NotSupportedException exception) when (PathInMessage().Match(exception.Message) is { Success: true } at)
        {
            // An abstract rate card, price or entitlement without its "type".
            throw new BillingValidationException(Join(Field(at.Groups[1].Value), "type"), "is required");
        }
    }

    private static string Field(string? path) => path is null || path == "$" ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    [GeneratedRegex("missing required properties[^']*'([A-Za-z0-9_]+)'", RegexOptions.CultureInvariant)]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"Path: (\$[^ |]*)", RegexOptions.CultureInvariant)]
    private static partial Regex PathInMessage();
}
