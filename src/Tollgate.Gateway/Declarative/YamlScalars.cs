using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tollgate.Gateway.Declarative;

/// <summary>What a YAML scalar stands for once its style and tag are taken into account.</summary>
internal enum ScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
}

/// <summary>
/// The YAML 1.2 core schema: how a scalar's text, style and tag decide whether it is a string, a number, a boolean or
/// null. Only plain (unquoted), untagged scalars are resolved by their text, so <c>8192</c> is a number and
/// <c>"8192"</c> a string. YAML 1.1's <c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c> are strings here, as in YAML 1.2.
/// </summary>
internal static partial class YamlScalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    /// <summary>The kind of a scalar as written, or null (with <paramref name="problem"/>) for a tag this reader does not know.</summary>
    public static ScalarKind? KindOf(YamlScalarNode node, out string? problem)
    {
        problem = null;
        var value = node.Value ?? string.Empty;
        if (node.Tag.IsEmpty)
        {
            return node.Style is ScalarStyle.Plain or ScalarStyle.Any ? KindOfPlain(value) : ScalarKind.String;
        }

        if (node.Tag.IsNonSpecific)
        {
            return ScalarKind.String;
        }

        var tag = node.Tag.Value;
        ScalarKind? kind = tag switch
        {
            TagPrefix + "str" => ScalarKind.String,
            TagPrefix + "null" => ScalarKind.Null,
            TagPrefix + "bool" => ScalarKind.Bool,
            TagPrefix + "int" => ScalarKind.Int,
            TagPrefix + "float" => ScalarKind.Float,
            _ => null,
        };
        if (kind is null)
        {
            problem = $"unsupported YAML tag {tag}";
            return null;
        }

        // An explicit tag must still fit its text: !!int "x" is not a number.
        var fits = kind switch
        {
            ScalarKind.Null => NullPattern().IsMatch(value),
            ScalarKind.Bool => BoolPattern().IsMatch(value),
            ScalarKind.Int => IsInt(value),
            ScalarKind.Float => IsInt(value) || FloatPattern().IsMatch(value) || InfinityPattern().IsMatch(value) || NotANumberPattern().IsMatch(value),
            _ => true,
        };
        if (!fits)
        {
            problem = $"'{value}' is not a valid {tag[TagPrefix.Length..]}";
            return null;
        }

        return kind;
    }

    /// <summary>How a plain scalar with this text resolves.</summary>
    public static ScalarKind KindOfPlain(string value)
    {
        if (NullPattern().IsMatch(value))
        {
            return ScalarKind.Null;
        }

        if (BoolPattern().IsMatch(value))
        {
            return ScalarKind.Bool;
        }

        if (IsInt(value))
        {
            return ScalarKind.Int;
        }

        return FloatPattern().IsMatch(value) || InfinityPattern().IsMatch(value) || NotANumberPattern().IsMatch(value)
            ? ScalarKind.Float
            : ScalarKind.String;
    }

    /// <summary>The value of a boolean scalar (the text matched the bool pattern).</summary>
    public static bool ToBool(string value) => value[0] is 't' or 'T';

    /// <summary>The value of an integer scalar: decimal, <c>0o</c> octal or <c>0x</c> hexadecimal.</summary>
    public static BigInteger ToInteger(string value)
    {
        if (value.StartsWith("0o", StringComparison.Ordinal))
        {
            var result = BigInteger.Zero;
            foreach (var digit in value.AsSpan(2))
            {
                result = (result * 8) + (digit - '0');
            }

            return result;
        }

        if (value.StartsWith("0x", StringComparison.Ordinal))
        {
            // A leading zero keeps the hex digits from being read as a negative two's complement number.
            return BigInteger.Parse("0" + value[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }

        return BigInteger.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The JSON number for a numeric scalar, keeping the text as written when JSON allows it (so <c>0.00002</c>
    /// stays <c>0.00002</c>); null for infinity and NaN, which JSON cannot hold.
    /// </summary>
    public static JsonNode? ToJsonNumber(string value, ScalarKind kind)
    {
        if (kind == ScalarKind.Int)
        {
            return JsonNode.Parse(ToInteger(value).ToString(CultureInfo.InvariantCulture));
        }

        if (IsInt(value))
        {
            return JsonNode.Parse(ToInteger(value).ToString(CultureInfo.InvariantCulture));
        }

        if (JsonNumberPattern().IsMatch(value))
        {
            return JsonNode.Parse(value);
        }

        if (InfinityPattern().IsMatch(value) || NotANumberPattern().IsMatch(value))
        {
            return null;
        }

        // YAML allows forms JSON does not (.5, 1., +1.5); their double value has a JSON spelling.
        var number = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(number) ? JsonNode.Parse(number.ToString("R", CultureInfo.InvariantCulture)) : null;
    }

    /// <summary>Whether a string must be quoted so that reading it back gives the same string.</summary>
    public static bool NeedsQuotes(string value) => KindOfPlain(value) != ScalarKind.String;

    private static bool IsInt(string value) => DecimalIntPattern().IsMatch(value) || OctalIntPattern().IsMatch(value) || HexIntPattern().IsMatch(value);

    [GeneratedRegex("^(~|null|Null|NULL|)$")]
    private static partial Regex NullPattern();

    [GeneratedRegex("^(true|True|TRUE|false|False|FALSE)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex DecimalIntPattern();

    [GeneratedRegex("^0o[0-7]+$")]
    private static partial Regex OctalIntPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]+$")]
    private static partial Regex HexIntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^[-+]?\.(inf|Inf|INF)$")]
    private static partial Regex InfinityPattern();

    [GeneratedRegex(@"^\.(nan|NaN|NAN)$")]
    private static partial Regex NotANumberPattern();

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex JsonNumberPattern();
}
