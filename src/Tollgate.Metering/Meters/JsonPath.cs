using System.Text;
using System.Text.Json;

namespace Tollgate.Metering.Meters;

/// <summary>
/// The JSONPath subset meters use to reach into event data: <c>$</c>, <c>.name</c>, <c>['name']</c>,
/// <c>["name"]</c> and <c>[index]</c>. Wildcards, slices and filters select many values, which a meter
/// cannot aggregate into one, so they are refused when the meter is created.
/// </summary>
public sealed class JsonPath
{
    private readonly Segment[] _segments;

    private JsonPath(string expression, Segment[] segments)
    {
        Expression = expression;
        _segments = segments;
    }

    /// <summary>The expression as written.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression; on failure <paramref name="error"/> says what is wrong and where.</summary>
    public static bool TryParse(string? expression, out JsonPath? path, out string? error)
    {
        path = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "must be a JSONPath expression such as $.tokens";
            return false;
        }

        if (expression[0] != '$')
        {
            error = "must start with $";
            return false;
        }

        var segments = new List<Segment>();
        var i = 1;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (c == '.')
            {
                i++;
                var start = i;
                while (i < expression.Length && expression[i] != '.' && expression[i] != '[')
                {
                    i++;
                }

                var name = expression[start..i];
                if (name.Length == 0 || name == "*" || name.StartsWith('.'))
                {
                    error = $"has an empty or wildcard name at position {start}";
                    return false;
                }

                segments.Add(new Segment(name, -1));
            }
            else if (c == '[')
            {
                i++;
                if (i < expression.Length && (expression[i] == '\'' || expression[i] == '"'))
                {
                    var quote = expression[i++];
                    var name = new StringBuilder();
                    while (i < expression.Length && expression[i] != quote)
                    {
                        if (expression[i] == '\\' && i + 1 < expression.Length)
                        {
                            i++;
                        }

                        name.Append(expression[i++]);
                    }

                    if (i + 1 >= expression.Length || expression[i + 1] != ']')
                    {
                        error = "has an unterminated quoted name";
                        return false;
                    }

                    i += 2;
                    segments.Add(new Segment(name.ToString(), -1));
                }
                else
                {
                    var start = i;
                    while (i < expression.Length && char.IsAsciiDigit(expression[i]))
                    {
                        i++;
                    }

                    if (i == start || i >= expression.Length || expression[i] != ']'
                        || !int.TryParse(expression.AsSpan(start, i - start), System.Globalization.CultureInfo.InvariantCulture, out var index))
                    {
                        error = $"supports only names and array indexes inside [] (position {start}); wildcards, slices and filters select many values";
                        return false;
                    }

                    i++;
                    segments.Add(new Segment(null, index));
                }
            }
            else
            {
                error = $"has an unexpected '{c}' at position {i}";
                return false;
            }
        }

        error = null;
        path = new JsonPath(expression, [.. segments]);
        return true;
    }

    /// <summary>Finds the value the path points at; false when any step is missing.</summary>
    public bool TryEvaluate(JsonElement root, out JsonElement value)
    {
        value = root;
        foreach (var segment in _segments)
        {
            if (segment.Name is { } name)
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
                {
                    return false;
                }
            }
            else if (value.ValueKind != JsonValueKind.Array || segment.Index >= value.GetArrayLength())
            {
                return false;
            }
            else
            {
                value = value[segment.Index];
            }
        }

        return true;
    }

    public override string ToString() => Expression;

    private readonly record struct Segment(string? Name, int Index);
}
