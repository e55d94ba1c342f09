using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Api;

/// <summary><c>/api/v1/subjects</c>: deprecated upstream, kept because the SDK still calls it.</summary>
public static class SubjectsApi
{
    public static IEndpointRouteBuilder MapSubjectsApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var subjects = routes.MapGroup("/api/v1/subjects");
        subjects.MapGet("/", ListAsync).WithName("listSubjects");
        subjects.MapPost("/", UpsertAsync).WithName("upsertSubject");
        subjects.MapGet("/{subjectIdOrKey}", GetAsync).WithName("getSubject");
        subjects.MapDelete("/{subjectIdOrKey}", DeleteAsync).WithName("deleteSubject");
        return routes;
    }

    internal static async Task<Ok<List<SubjectResponse>>> ListAsync(IMeteringStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListSubjectsAsync(cancellationToken)).Select(SubjectResponse.From).ToList());

    internal static async Task<Results<Ok<List<SubjectResponse>>, ProblemHttpResult>> UpsertAsync(HttpRequest request, IMeteringStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (upserts, problem) = await Problems.ReadJsonAsync(request, MeteringJsonContext.Default.ListSubjectUpsert);
        if (problem is not null)
        {
            return problem;
        }

        for (var i = 0; i < upserts!.Count; i++)
        {
            if (string.IsNullOrEmpty(upserts[i].Key))
            {
                return Problems.BadRequest($"[{i}].key", "is required");
            }
        }

        if (upserts.GroupBy(u => u.Key).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            return Problems.BadRequest("key", $"\"{duplicate.Key}\" appears more than once in the request");
        }

        var stored = await store.UpsertSubjectsAsync(upserts, time.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(stored.Select(SubjectResponse.From).ToList());
    }

    internal static async Task<Results<Ok<SubjectResponse>, ProblemHttpResult>> GetAsync(string subjectIdOrKey, IMeteringStore store, CancellationToken cancellationToken) =>
        await store.GetSubjectAsync(subjectIdOrKey, cancellationToken) is { } subject
            ? TypedResults.Ok(SubjectResponse.From(subject))
            : Problems.NotFound($"subject \"{subjectIdOrKey}\" not found");

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string subjectIdOrKey, IMeteringStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.DeleteSubjectAsync(subjectIdOrKey, time.GetUtcNow(), cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound($"subject \"{subjectIdOrKey}\" not found");
}
