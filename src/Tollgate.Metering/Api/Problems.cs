using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Tollgate.Metering.Api;

/// <summary>The <c>application/problem+json</c> answers of the metering API.</summary>
public static class Problems
{
    /// <summary>400 naming the field at fault, with the field in <c>errors</c> as ASP.NET validation problems have it.</summary>
    public static ProblemHttpResult BadRequest(string field, string message) => TypedResults.Problem(
        detail: $"{field}: {message}",
        statusCode: StatusCodes.Status400BadRequest,
        title: "Bad Request",
        extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not Found");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static ProblemHttpResult Unavailable(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable");

    /// <summary>Reads a JSON body; a malformed one becomes a 400 that names the JSON path.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            return (default, TypedResults.Problem(detail: "the body must be JSON (Content-Type: application/json)",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type"));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
            return value is null ? (default, BadRequest("$", "the body must be a JSON object")) : (value, null);
        }
        catch (JsonException exception)
        {
            return (default, BadRequest(exception.Path ?? "$", "is not valid here: " + FirstLine(exception.Message)));
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }
}
