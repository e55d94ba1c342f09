using System.Text;
using System.Text.RegularExpressions;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// decK's <c>${{ env "DECK_NAME" }}</c>: the value of an environment variable in place of the expression, inside
/// any scalar value. As in decK only variables whose names start with <c>DECK_</c> are read, so a file cannot pull
/// arbitrary secrets out of the gateway's environment.
/// </summary>
internal static partial class EnvironmentSubstitution
{
    public const string RequiredPrefix = "DECK_";

    private const string Opening = "${{";

    /// <summary>What a scalar becomes: its text with every expression replaced, or the problems that stopped it.</summary>
    public readonly record struct Outcome(string Text, bool Substituted, bool WholeScalar, IReadOnlyList<string> Problems);

    public static Outcome Apply(string value, Func<string, string?> environment)
    {
        if (!value.Contains(Opening, StringComparison.Ordinal))
        {
            return new(value, false, false, []);
        }

        var problems = new List<string>();
        var text = new StringBuilder(value.Length);
        var position = 0;
        var expressions = 0;
        foreach (Match match in Expression().Matches(value))
        {
            AppendLiteral(text, value, position, match.Index, problems);
            expressions++;
            var name = match.Groups["name"].Value;
            if (!name.StartsWith(RequiredPrefix, StringComparison.Ordinal))
            {
                problems.Add($"environment variable {name} cannot be read: only variables whose names start with {RequiredPrefix} are substituted");
            }
            else if (environment(name) is { } variable)
            {
                text.Append(variable);
            }
            else
            {
                problems.Add($"environment variable {name} is not set");
            }

            position = match.Index + match.Length;
        }

        AppendLiteral(text, value, position, value.Length, problems);
        var whole = expressions == 1 && Expression().Match(value) is { Index: 0 } only && only.Length == value.Length;
        return new(text.ToString(), expressions > 0, whole, problems);
    }

    private static void AppendLiteral(StringBuilder text, string value, int start, int end, List<string> problems)
    {
        var literal = value.AsSpan(start, end - start);
        if (literal.Contains(Opening, StringComparison.Ordinal))
        {
            problems.Add("unsupported template: the only expression Tollgate reads is ${{ env \"DECK_NAME\" }}");
        }

        text.Append(literal);
    }

    [GeneratedRegex("""\$\{\{\s*env\s*"(?<name>[^"]*)"\s*\}\}""")]
    private static partial Regex Expression();
}
