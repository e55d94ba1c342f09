using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Tollgate.Metering.Queries;

/// <summary>
/// OpenMeter's <c>FilterString</c>: one operator per object, <c>$and</c>/<c>$or</c> to combine. <c>$like</c> uses SQL
/// wildcards (<c>%</c> any run, <c>_</c> one character). A missing value matches only negative operators.
/// </summary>
public sealed record StringFilter
{
    [JsonPropertyName("$eq")] public string? Eq { get; init; }
    [JsonPropertyName("$ne")] public string? Ne { get; init; }
    [JsonPropertyName("$in")] public List<string>? In { get; init; }
    [JsonPropertyName("$nin")] public List<string>? Nin { get; init; }
    [JsonPropertyName("$like")] public string? Like { get; init; }
    [JsonPropertyName("$nlike")] public string? NotLike { get; init; }
    [JsonPropertyName("$ilike")] public string? ILike { get; init; }
    [JsonPropertyName("$nilike")] public string? NotILike { get; init; }
    [JsonPropertyName("$gt")] public string? Gt { get; init; }
    [JsonPropertyName("$gte")] public string? Gte { get; init; }
    [JsonPropertyName("$lt")] public string? Lt { get; init; }
    [JsonPropertyName("$lte")] public string? Lte { get; init; }
    [JsonPropertyName("$and")] public List<StringFilter>? And { get; init; }
    [JsonPropertyName("$or")] public List<StringFilter>? Or { get; init; }

    /// <summary>Null when the filter is usable; otherwise why not.</summary>
    public string? Problem()
    {
        var operators = new object?[] { Eq, Ne, In, Nin, Like, NotLike, ILike, NotILike, Gt, Gte, Lt, Lte, And, Or }.Count(o => o is not null);
        if (operators != 1)
        {
            return operators == 0 ? "needs one operator such as $eq or $in" : "takes exactly one operator per object; combine with $and or $or";
        }

        return (And ?? Or)?.Select(f => f.Problem()).FirstOrDefault(p => p is not null);
    }

    public bool Matches(string? value)
    {
        if (And is not null)
        {
            return And.All(f => f.Matches(value));
        }

        if (Or is not null)
        {
            return Or.Any(f => f.Matches(value));
        }

        if (value is null)
        {
            return Ne is not null || Nin is not null || NotLike is not null || NotILike is not null;
        }

        return Eq is not null ? value == Eq
            : Ne is not null ? value != Ne
            : In is not null ? In.Contains(value)
            : Nin is not null ? !Nin.Contains(value)
            : Like is not null ? LikeRegex(Like, ignoreCase: false).IsMatch(value)
            : NotLike is not null ? !LikeRegex(NotLike, ignoreCase: false).IsMatch(value)
            : ILike is not null ? LikeRegex(ILike, ignoreCase: true).IsMatch(value)
            : NotILike is not null ? !LikeRegex(NotILike, ignoreCase: true).IsMatch(value)
            : Gt is not null ? string.CompareOrdinal(value, Gt) > 0
            : Gte is not null ? string.CompareOrdinal(value, Gte) >= 0
            : Lt is not null ? string.CompareOrdinal(value, Lt) < 0
            : string.CompareOrdinal(value, Lte) <= 0;
    }

    private static Regex LikeRegex(string pattern, bool ignoreCase)
    {
        var regex = "^" + Regex.Escape(pattern).Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$";
        return new Regex(regex, (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }
}
