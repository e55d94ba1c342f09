using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Tollgate.Metering.Events;
using Tollgate.Metering.Ingest;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Api;

/// <summary><c>/api/v1/events</c> and <c>/api/v2/events</c>: CloudEvents in, ingested events out.</summary>
public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPost("/api/v1/events", IngestAsync).WithName("ingestEvents");
        routes.MapGet("/api/v1/events", ListV1Async).WithName("listEvents");
        routes.MapGet("/api/v2/events", ListV2Async).WithName("listEventsV2");
        return routes;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> IngestAsync(HttpRequest request, EventIngestor ingestor, TimeProvider time)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        bool? batch;
        switch (mediaType)
        {
            case "application/cloudevents+json": batch = false; break;
            case "application/cloudevents-batch+json": batch = true; break;
            case "application/json": batch = null; break;
            default:
                return TypedResults.Problem(
                    detail: $"Content-Type must be application/cloudevents+json, application/cloudevents-batch+json or application/json, got \"{request.ContentType}\"",
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "Unsupported Media Type");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
        }
        catch (JsonException exception)
        {
            return Problems.BadRequest("$", $"the body is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1})");
        }

        using (document)
        {
            var events = new List<ParsedEvent>();
            if (CloudEventParser.Parse(document.RootElement, batch, time.GetUtcNow(), events) is { } error)
            {
                return Problems.BadRequest(error.Field, error.Message);
            }

            IngestOutcome outcome;
            try
            {
                outcome = await ingestor.IngestAsync(events);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The writer rolled the whole transaction back (and logged why).
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Problems.Unavailable("the store did not accept the write; nothing of this request was stored, retry after the Retry-After delay");
            }

            if (outcome == IngestOutcome.Committed)
            {
                return TypedResults.NoContent();
            }

            request.HttpContext.Response.Headers.RetryAfter = "1";
            return Problems.Unavailable(outcome == IngestOutcome.Overloaded
                ? "the ingest queue is full; nothing of this request was stored, retry after the Retry-After delay"
                : "the server is shutting down; nothing of this request was stored");
        }
    }

    internal static async Task<Results<Ok<List<IngestedEventResponse>>, ProblemHttpResult>> ListV1Async(
        HttpRequest request, IMeteringStore store, MeterCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var filter = new EventFilter
        {
            IdContains = NullIfEmpty(query["id"]),
            SubjectContains = NullIfEmpty(query["subject"]),
        };
        foreach (var (name, apply) in new (string, Func<EventFilter, long, EventFilter>)[]
        {
            ("from", (f, t) => f with { TimeFrom = t }),
            ("to", (f, t) => f with { TimeTo = t }),
            ("ingestedAtFrom", (f, t) => f with { IngestedFrom = t }),
            ("ingestedAtTo", (f, t) => f with { IngestedTo = t }),
        })
        {
            if (NullIfEmpty(query[name]) is { } text)
            {
                if (!CloudEventParser.TryParseRfc3339(text, out var value))
                {
                    return Problems.BadRequest(name, $"must be an RFC 3339 date-time, got \"{text}\"");
                }

                filter = apply(filter, value.UtcTicks);
            }
        }

        // As OpenMeter: without any time bound the listing covers the last 72 hours.
        if (filter.TimeFrom is null && filter.IngestedFrom is null && filter.IngestedTo is null && filter.TimeTo is null)
        {
            filter = filter with { TimeFrom = time.GetUtcNow().AddHours(-72).UtcTicks };
        }

        if (ParseLimit(query["limit"], out var limit) is { } problem)
        {
            return problem;
        }

        var events = await store.ListEventsAsync(filter with { Limit = limit }, cancellationToken);
        return TypedResults.Ok(Describe(events, catalog.Current));
    }

    internal static async Task<Results<Ok<IngestedEventPage>, ProblemHttpResult>> ListV2Async(
        HttpRequest request, IMeteringStore store, MeterCatalog catalog, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var filter = new EventFilter
        {
            IdEquals = NullIfEmpty(query["filter[id][$eq]"]),
            SourceEquals = NullIfEmpty(query["filter[source][$eq]"]),
            SubjectEquals = NullIfEmpty(query["filter[subject][$eq]"]),
            TypeEquals = NullIfEmpty(query["filter[type][$eq]"]),
        };
        foreach (var key in query.Keys)
        {
            if (!key.StartsWith("filter[", StringComparison.Ordinal))
            {
                continue;
            }

            var text = query[key].ToString();
            EventFilter? narrowed = key switch
            {
                "filter[id][$eq]" or "filter[source][$eq]" or "filter[subject][$eq]" or "filter[type][$eq]" => filter,
                "filter[time][$gte]" => Time(text, t => filter with { TimeFrom = t }),
                "filter[time][$gt]" => Time(text, t => filter with { TimeFrom = t + 1 }),
                "filter[time][$lte]" => Time(text, t => filter with { TimeTo = t }),
                "filter[time][$lt]" => Time(text, t => filter with { TimeTo = t - 1 }),
                "filter[ingestedAt][$gte]" => Time(text, t => filter with { IngestedFrom = t }),
                "filter[ingestedAt][$gt]" => Time(text, t => filter with { IngestedFrom = t + 1 }),
                "filter[ingestedAt][$lte]" => Time(text, t => filter with { IngestedTo = t }),
                "filter[ingestedAt][$lt]" => Time(text, t => filter with { IngestedTo = t - 1 }),
                _ => null,
            };
            if (narrowed is null)
            {
                return Problems.BadRequest(key, "is not a supported filter; use $eq on id, source, subject or type, and $gt/$gte/$lt/$lte on time or ingestedAt with RFC 3339 values");
            }

            filter = narrowed;
        }

        if (NullIfEmpty(query["cursor"]) is { } cursor)
        {
            if (!TryDecodeCursor(cursor, out var after))
            {
                return Problems.BadRequest("cursor", "is not a cursor this server returned");
            }

            filter = filter with { After = after };
        }

        if (ParseLimit(query["limit"], out var limit) is { } problem)
        {
            return problem;
        }

        var events = await store.ListEventsAsync(filter with { Limit = limit }, cancellationToken);
        var next = events.Count == limit ? EncodeCursor(events[^1]) : null;
        return TypedResults.Ok(new IngestedEventPage(Describe(events, catalog.Current), next));

        static EventFilter? Time(string text, Func<long, EventFilter> apply) =>
            CloudEventParser.TryParseRfc3339(text, out var value) ? apply(value.UtcTicks) : null;
    }

    private static ProblemHttpResult? ParseLimit(string? text, out int limit)
    {
        limit = 100;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= 100
            ? null
            : Problems.BadRequest("limit", "must be an integer from 1 to 100");
    }

    /// <summary>Each event with the reason a meter of its type could not count it, against today's meters.</summary>
    private static List<IngestedEventResponse> Describe(IReadOnlyList<StoredEvent> events, MeterSnapshot meters)
    {
        var items = new List<IngestedEventResponse>(events.Count);
        foreach (var stored in events)
        {
            var record = stored.Event;
            using var document = record.Data is null ? null : JsonDocument.Parse(record.Data);
            var data = document?.RootElement;
            string? validationError = null;
            foreach (var meter in meters.ForEventType(record.Type))
            {
                if (meter.Extract(record.Subject, record.TimeTicks, data ?? default, out var error) is null && error is not null)
                {
                    validationError = $"meter {meter.Meter.Slug}: {error}";
                    break;
                }
            }

            var ingested = new DateTime(stored.IngestedAtTicks, DateTimeKind.Utc);
            items.Add(new IngestedEventResponse(
                new CloudEventResponse(record.Id, record.Source, "1.0", record.Type, record.Subject, new DateTime(record.TimeTicks, DateTimeKind.Utc), data?.Clone(), record.DataSchema),
                validationError,
                ingested,
                ingested));
        }

        return items;
    }

    private static string EncodeCursor(StoredEvent last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{last.Event.TimeTicks}:{last.Seq}")));

    private static bool TryDecodeCursor(string cursor, out (long, long) after)
    {
        after = default;
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor)).Split(':');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                after = (ticks, seq);
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];
}
