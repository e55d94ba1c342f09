using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Api;

/// <summary><c>/api/v1/meters</c>: meter CRUD, queries (JSON and CSV), subjects and group-by values.</summary>
public static class MetersApi
{
    private static readonly Dictionary<string, string> Hints = new(StringComparer.Ordinal)
    {
        ["aggregation"] = "must be one of SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX, LATEST",
        ["windowSize"] = "must be one of MINUTE, HOUR, DAY, MONTH",
        ["from"] = "must be an RFC 3339 date-time",
        ["to"] = "must be an RFC 3339 date-time",
        ["eventFrom"] = "must be an RFC 3339 date-time",
    };

    public static IEndpointRouteBuilder MapMetersApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var meters = routes.MapGroup("/api/v1/meters");
        meters.MapGet("/", List).WithName("listMeters");
        meters.MapPost("/", CreateAsync).WithName("createMeter");
        meters.MapGet("/{meterIdOrSlug}", Get).WithName("getMeter");
        meters.MapPut("/{meterIdOrSlug}", UpdateAsync).WithName("updateMeter");
        meters.MapDelete("/{meterIdOrSlug}", DeleteAsync).WithName("deleteMeter");
        meters.MapGet("/{meterIdOrSlug}/query", QueryGetAsync).WithName("queryMeter");
        meters.MapPost("/{meterIdOrSlug}/query", QueryPostAsync).WithName("queryMeterPost");
        meters.MapGet("/{meterIdOrSlug}/subjects", SubjectsAsync).WithName("listMeterSubjects");
        meters.MapGet("/{meterIdOrSlug}/group-by/{groupByKey}/values", GroupByValuesAsync).WithName("listMeterGroupByValues");

        // Tollgate's own: the meters it can define for you (AI Gateway Tokens), listed and enabled by slug.
        var builtIn = routes.MapGroup("/api/v1/builtin-meters");
        builtIn.MapGet("/", ListBuiltIn).WithName("listBuiltInMeters");
        builtIn.MapPost("/{slug}", EnableBuiltInAsync).WithName("enableBuiltInMeter");
        return routes;
    }

    internal static Results<Ok<List<MeterResponse>>, ProblemHttpResult> List(HttpRequest request, MeterService meters)
    {
        var query = request.Query;
        if (!TryInt(query["page"], 1, 1, int.MaxValue, out var page))
        {
            return Problems.BadRequest("page", "must be an integer of at least 1");
        }

        if (!TryInt(query["pageSize"], 100, 1, 1000, out var pageSize))
        {
            return Problems.BadRequest("pageSize", "must be an integer from 1 to 1000");
        }

        var includeDeleted = string.Equals(query["includeDeleted"], "true", StringComparison.OrdinalIgnoreCase);
        var descending = string.Equals(query["order"], "DESC", StringComparison.OrdinalIgnoreCase);
        Func<Meter, IComparable> key = query["orderBy"].ToString() switch
        {
            "" or "key" => m => m.Slug,
            "name" => m => m.Name,
            "aggregation" => m => m.Aggregation.ToString(),
            "createdAt" => m => m.CreatedAt,
            "updatedAt" => m => m.UpdatedAt,
            _ => null!,
        };
        if (key is null)
        {
            return Problems.BadRequest("orderBy", "must be one of key, name, aggregation, createdAt, updatedAt");
        }

        var selected = meters.Current.All.Where(m => includeDeleted || m.DeletedAt is null);
        selected = descending ? selected.OrderByDescending(key) : selected.OrderBy(key);
        return TypedResults.Ok(selected.Skip((page - 1) * pageSize).Take(pageSize).Select(MeterResponse.From).ToList());
    }

    internal static async Task<Results<Created<MeterResponse>, ProblemHttpResult>> CreateAsync(HttpRequest request, MeterService meters, CancellationToken cancellationToken)
    {
        var (draft, problem) = await Problems.ReadJsonAsync(request, MeteringJsonContext.Default.MeterDraft, Hints);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            var meter = await meters.CreateAsync(draft!, cancellationToken);
            return TypedResults.Created($"/api/v1/meters/{meter.Id}", MeterResponse.From(meter));
        }
        catch (MeterValidationException exception)
        {
            return Problems.BadRequest(exception.Field, exception.Reason);
        }
        catch (MeterConflictException exception)
        {
            return Problems.Conflict(exception.Message);
        }
    }

    internal static Ok<List<BuiltInMeterResponse>> ListBuiltIn(MeterService meters) =>
        TypedResults.Ok(BuiltInMeters.All.Select(draft => new BuiltInMeterResponse(draft.Slug!, draft.Name!, draft.Description, meters.Current.Find(draft.Slug!) is not null)).ToList());

    /// <summary>Creates the built-in meter (201), or answers the existing one (200) when it is already enabled.</summary>
    internal static async Task<Results<Created<MeterResponse>, Ok<MeterResponse>, ProblemHttpResult>> EnableBuiltInAsync(string slug, MeterService meters, CancellationToken cancellationToken) =>
        await meters.EnableBuiltInAsync(slug, cancellationToken) switch
        {
            null => Problems.NotFound($"there is no built-in meter \"{slug}\" (built-in: {string.Join(", ", BuiltInMeters.All.Select(d => d.Slug))})"),
            ({ } meter, true) => TypedResults.Created($"/api/v1/meters/{meter.Id}", MeterResponse.From(meter)),
            ({ } meter, false) => TypedResults.Ok(MeterResponse.From(meter)),
        };

    internal static Results<Ok<MeterResponse>, ProblemHttpResult> Get(string meterIdOrSlug, MeterService meters) =>
        meters.Current.Find(meterIdOrSlug) is { } meter ? TypedResults.Ok(MeterResponse.From(meter.Meter)) : MeterNotFound(meterIdOrSlug);

    internal static async Task<Results<Ok<MeterResponse>, ProblemHttpResult>> UpdateAsync(string meterIdOrSlug, HttpRequest request, MeterService meters, CancellationToken cancellationToken)
    {
        var (patch, problem) = await Problems.ReadJsonAsync(request, MeteringJsonContext.Default.MeterPatch);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            return await meters.UpdateAsync(meterIdOrSlug, patch!, cancellationToken) is { } meter
                ? TypedResults.Ok(MeterResponse.From(meter))
                : MeterNotFound(meterIdOrSlug);
        }
        catch (MeterValidationException exception)
        {
            return Problems.BadRequest(exception.Field, exception.Reason);
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string meterIdOrSlug, MeterService meters, CancellationToken cancellationToken) =>
        await meters.DeleteAsync(meterIdOrSlug, cancellationToken) ? TypedResults.NoContent() : MeterNotFound(meterIdOrSlug);

    internal static async Task<IResult> QueryGetAsync(string meterIdOrSlug, HttpRequest request, MeterService meters, MeterQueryService queries, CancellationToken cancellationToken)
    {
        var q = request.Query;
        var body = new MeterQueryRequest
        {
            WindowTimeZone = NullIfEmpty(q["windowTimeZone"]),
            Subject = q["subject"].Count > 0 ? [.. q["subject"].OfType<string>().Where(s => s.Length > 0)] : null,
            FilterCustomerId = q["filterCustomerId"].Count > 0 ? [.. q["filterCustomerId"].OfType<string>()] : null,
            GroupBy = q["groupBy"].Count > 0 ? [.. q["groupBy"].SelectMany(g => (g ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))] : null,
        };
        foreach (var name in (ReadOnlySpan<string>)["from", "to"])
        {
            if (NullIfEmpty(q[name]) is { } text)
            {
                if (!CloudEventParser.TryParseRfc3339(text, out var value))
                {
                    return Problems.BadRequest(name, $"must be an RFC 3339 date-time, got \"{text}\"");
                }

                body = name == "from" ? body with { From = value } : body with { To = value };
            }
        }

        if (NullIfEmpty(q["windowSize"]) is { } size)
        {
            if (!TryWindowSize(size, out var windowSize))
            {
                return Problems.BadRequest("windowSize", $"must be one of MINUTE, HOUR, DAY, MONTH, got \"{size}\"");
            }

            body = body with { WindowSize = windowSize };
        }

        var filters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (key, values) in q)
        {
            if (key.StartsWith("filterGroupBy[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                filters[key["filterGroupBy[".Length..^1]] = [.. values.SelectMany(v => (v ?? string.Empty).Split(','))];
            }
        }

        body = body with { FilterGroupBy = filters.Count > 0 ? filters : null };
        if (NullIfEmpty(q["advancedMeterGroupByFilters"]) is { } advanced)
        {
            try
            {
                body = body with { AdvancedMeterGroupByFilters = JsonSerializer.Deserialize(advanced, MeteringJsonContext.Default.DictionaryStringStringFilter) };
            }
            catch (JsonException)
            {
                return Problems.BadRequest("advancedMeterGroupByFilters", "must be a JSON object of group-by keys to filters, such as {\"model\":{\"$in\":[\"gpt-4\"]}}");
            }
        }

        return await RunQueryAsync(meterIdOrSlug, body, request, meters, queries, cancellationToken);
    }

    internal static async Task<IResult> QueryPostAsync(string meterIdOrSlug, HttpRequest request, MeterService meters, MeterQueryService queries, CancellationToken cancellationToken)
    {
        var (body, problem) = await Problems.ReadJsonAsync(request, MeteringJsonContext.Default.MeterQueryRequest, Hints);
        return problem ?? await RunQueryAsync(meterIdOrSlug, body!, request, meters, queries, cancellationToken);
    }

    private static async Task<IResult> RunQueryAsync(string meterIdOrSlug, MeterQueryRequest body, HttpRequest request, MeterService meters, MeterQueryService queries, CancellationToken cancellationToken)
    {
        if (meters.Current.Find(meterIdOrSlug) is not { } meter)
        {
            return MeterNotFound(meterIdOrSlug);
        }

        if (body.From is { } from && body.To is { } to && from > to)
        {
            return Problems.BadRequest("from", "must not be after to");
        }

        var zone = TimeZoneInfo.Utc;
        if (body.WindowTimeZone is { Length: > 0 } zoneName && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneName, out zone))
        {
            return Problems.BadRequest("windowTimeZone", $"\"{zoneName}\" is not an IANA time zone name such as Europe/Berlin");
        }

        if (body.Subject is { Count: > 100 })
        {
            return Problems.BadRequest("subject", "at most 100 subjects per query");
        }

        if (body.FilterCustomerId is { Count: > 0 })
        {
            return Problems.BadRequest("filterCustomerId", "customers arrive with billing; filter by subject for now");
        }

        var query = new MeterQuery
        {
            From = body.From,
            To = body.To,
            WindowSize = body.WindowSize,
            WindowTimeZone = zone!,
            Subjects = body.Subject,
            FilterGroupBy = body.FilterGroupBy?.ToDictionary(f => f.Key, f => (IReadOnlyList<string>)f.Value, StringComparer.Ordinal),
            AdvancedGroupByFilters = body.AdvancedMeterGroupByFilters,
            GroupBy = body.GroupBy ?? [],
        };

        MeterQueryResult result;
        try
        {
            result = await queries.QueryAsync(meter, query, cancellationToken);
        }
        catch (MeterQueryException exception)
        {
            return Problems.BadRequest(exception.Field, exception.Reason);
        }

        var accept = request.Headers.Accept.ToString();
        if (accept.Contains("text/csv", StringComparison.OrdinalIgnoreCase) && !accept.Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Text(ToCsv(result, query), "text/csv; charset=utf-8");
        }

        return TypedResults.Ok(MeterQueryResponse.Of(result));
    }

    internal static async Task<Results<Ok<List<string>>, ProblemHttpResult>> SubjectsAsync(string meterIdOrSlug, HttpRequest request, MeterService meters, IMeteringStore store, CancellationToken cancellationToken)
    {
        if (meters.Current.Find(meterIdOrSlug) is not { } meter)
        {
            return MeterNotFound(meterIdOrSlug);
        }

        if (ParseRange(request.Query, out var from, out var to) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok((await store.ListMeterSubjectsAsync(meter.Meter.Number, from, to, cancellationToken)).ToList());
    }

    internal static async Task<Results<Ok<List<string>>, ProblemHttpResult>> GroupByValuesAsync(string meterIdOrSlug, string groupByKey, HttpRequest request, MeterService meters, MeterQueryService queries, CancellationToken cancellationToken)
    {
        if (meters.Current.Find(meterIdOrSlug) is not { } meter)
        {
            return MeterNotFound(meterIdOrSlug);
        }

        if (ParseRange(request.Query, out var from, out var to) is { } problem)
        {
            return problem;
        }

        try
        {
            return TypedResults.Ok((await queries.GroupByValuesAsync(meter, groupByKey, from, to, cancellationToken)).ToList());
        }
        catch (MeterQueryException exception)
        {
            return Problems.BadRequest(exception.Field, exception.Reason);
        }
    }

    private static ProblemHttpResult? ParseRange(IQueryCollection query, out long? from, out long? to)
    {
        from = to = null;
        foreach (var name in (ReadOnlySpan<string>)["from", "to"])
        {
            if (NullIfEmpty(query[name]) is { } text)
            {
                if (!CloudEventParser.TryParseRfc3339(text, out var value))
                {
                    return Problems.BadRequest(name, $"must be an RFC 3339 date-time, got \"{text}\"");
                }

                if (name == "from")
                {
                    from = value.UtcTicks;
                }
                else
                {
                    to = value.UtcTicks;
                }
            }
        }

        return null;
    }

    /// <summary>CSV as OpenMeter writes it: window, subject, one column per group-by key, value.</summary>
    internal static string ToCsv(MeterQueryResult result, MeterQuery query)
    {
        var keys = query.GroupBy.Where(k => k != "subject").ToArray();
        var csv = new StringBuilder("window_start,window_end,subject");
        foreach (var key in keys)
        {
            csv.Append(',').Append(Escape(key));
        }

        csv.Append(",value\n");
        foreach (var row in result.Data)
        {
            csv.Append(row.WindowStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append(',')
                .Append(row.WindowEnd.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append(',')
                .Append(Escape(row.Subject ?? string.Empty));
            foreach (var key in keys)
            {
                csv.Append(',').Append(Escape(row.GroupBy.GetValueOrDefault(key) ?? string.Empty));
            }

            csv.Append(',').Append(row.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return csv.ToString();

        static string Escape(string value) => value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static bool TryWindowSize(string text, out WindowSize size)
    {
        size = default;
        switch (text)
        {
            case "MINUTE": size = WindowSize.Minute; return true;
            case "HOUR": size = WindowSize.Hour; return true;
            case "DAY": size = WindowSize.Day; return true;
            case "MONTH": size = WindowSize.Month; return true;
            default: return false;
        }
    }

    private static bool TryInt(StringValues text, int fallback, int min, int max, out int value)
    {
        value = fallback;
        return text.Count == 0 || string.IsNullOrEmpty(text[0])
            || (int.TryParse(text[0], NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }

    private static string? NullIfEmpty(StringValues value) => value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];

    private static ProblemHttpResult MeterNotFound(string meterIdOrSlug) => Problems.NotFound($"meter \"{meterIdOrSlug}\" not found");
}
