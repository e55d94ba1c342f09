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

    /// <summary>
    /// Reads a JSON body; a malformed one becomes a 400 that names the field (JSON path without <c>$.</c>), with
    /// the hint given for that field when there is one.
    /// </summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, IReadOnlyDictionary<string, string>? hints = null)
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
            var field = exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "$";
            if (exception.LineNumber is { } line && exception.Path is null or "$")
            {
                return (default, BadRequest("$", $"the body is not valid JSON (line {line + 1}, byte {exception.BytePositionInLine + 1})"));
            }

            return (default, BadRequest(field, hints?.GetValueOrDefault(field) ?? "has the wrong type or format"));
        }
    }
}
