using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Metering.Api;

namespace Tollgate.Billing.Api;

/// <summary>What every billing endpoint shares: errors as problems, JSON bodies read strictly.</summary>
public static class BillingEndpoints
{
    /// <summary>
    /// A group whose handlers may throw <see cref="BillingException"/>: it becomes the matching
    /// <c>application/problem+json</c> answer (400 names the field).
    /// </summary>
    public static RouteGroupBuilder MapBillingGroup(this IEndpointRouteBuilder routes, string prefix)
    {
        var group = routes.MapGroup(prefix);
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (BillingException exception)
            {
                return Problem(exception);
            }
        });
        return group;
    }

    public static IResult Problem(BillingException exception) => exception switch
    {
        BillingValidationException invalid => Problems.BadRequest(invalid.Field, invalid.Reason),
        BillingNotFoundException => Problems.NotFound(exception.Message),
        BillingConflictException => Problems.Conflict(exception.Message),
        _ => TypedResults.Problem(detail: exception.Message, statusCode: exception.StatusCode),
    };

    /// <summary>Reads a JSON body or throws the 400/415 that says what is wrong with it.</summary>
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
            if (exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal))
            {
                throw new BillingValidationException(path[2..], Reason(exception));
            }

            throw new BillingValidationException("$", exception.LineNumber is { } line
                ? $"the body is not valid JSON (line {line + 1}, byte {exception.BytePositionInLine + 1})"
                : "the body is not valid JSON");
        }
    }

    /// <summary>The reason a Tollgate converter gave; the serializer's own messages name .NET types, so they are replaced.</summary>
    private static string Reason(JsonException exception) =>
        exception.Message.StartsWith("The JSON", StringComparison.Ordinal) || exception.Message.Contains(" Path: ", StringComparison.Ordinal)
            ? "has the wrong type or format"
            : exception.Message;
}

/// <summary>415: the body is not JSON.</summary>
public sealed class BillingUnsupportedMediaTypeException() : BillingException("the body must be JSON (Content-Type: application/json)")
{
    public override int StatusCode => StatusCodes.Status415UnsupportedMediaType;
}
