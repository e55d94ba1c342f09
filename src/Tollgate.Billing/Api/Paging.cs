using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Tollgate.Billing.Api;

/// <summary>A page of a list, as OpenMeter answers when <c>page</c> or <c>pageSize</c> is given.</summary>
public sealed record PaginatedResponse<T>(int TotalCount, int Page, int PageSize, IReadOnlyList<T> Items);

/// <summary>
/// OpenMeter's list paging: <c>page</c>/<c>pageSize</c> (1-based, at most 1,000 per page) answer a
/// <see cref="PaginatedResponse{T}"/>; <c>offset</c>/<c>limit</c> or nothing answer a plain array.
/// </summary>
public readonly record struct Paging(int Page, int PageSize, int Offset, int Limit, bool Paginated)
{
    public const int MaxPageSize = 1000;
    public const int DefaultPageSize = 100;

    public static Paging From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        var page = Int(query, "page", 1, 1, int.MaxValue);
        var pageSize = Int(query, "pageSize", DefaultPageSize, 1, MaxPageSize);
        var offset = Int(query, "offset", 0, 0, int.MaxValue);
        var limit = Int(query, "limit", DefaultPageSize, 1, MaxPageSize);
        var paginated = query.ContainsKey("page") || query.ContainsKey("pageSize");
        return new Paging(page, pageSize, offset, limit, paginated);
    }

    /// <summary>The answer for <paramref name="ordered"/> (already filtered and sorted).</summary>
    public IResult Respond<T>(IReadOnlyList<T> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        if (Paginated)
        {
            var skip = (long)(Page - 1) * PageSize;
            var items = ordered.Skip((int)Math.Min(skip, int.MaxValue)).Take(PageSize).ToList();
            return TypedResults.Ok(new PaginatedResponse<T>(ordered.Count, Page, PageSize, items));
        }

        return TypedResults.Ok(ordered.Skip(Offset).Take(Limit).ToList());
    }

    /// <summary>Always a <see cref="PaginatedResponse{T}"/>, for the lists the spec pages only that way.</summary>
    public PaginatedResponse<T> ToPage<T>(IReadOnlyList<T> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        var skip = (long)(Page - 1) * PageSize;
        return new PaginatedResponse<T>(ordered.Count, Page, PageSize, [.. ordered.Skip((int)Math.Min(skip, int.MaxValue)).Take(PageSize)]);
    }

    private static int Int(IQueryCollection query, string name, int fallback, int min, int max)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return fallback;
        }

        if (!int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new BillingValidationException(name, $"must be a whole number from {min} to {(max == int.MaxValue ? "2147483647" : max.ToString(CultureInfo.InvariantCulture))}");
        }

        return value;
    }
}
