using System.Text;

namespace Tollgate.WebConsole.Display;

/// <summary>The key a form suggests from a typed name, until the person edits the key themselves.</summary>
public static class KeySuggestion
{
    /// <summary>
    /// The key a typed name suggests: lower case, letters and digits kept, hyphens and underscores kept between
    /// words, anything else joins words with an underscore ("ai-token" → "ai-token", "Token Pro" → "token_pro").
    /// The service decides whether it is a valid key.
    /// </summary>
    public static string From(string? name)
    {
        var key = new StringBuilder();
        foreach (var c in (name ?? string.Empty).Trim().ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                key.Append(c);
            }
            else if (key.Length > 0 && key[^1] is not ('_' or '-'))
            {
                key.Append(c is '-' ? '-' : '_');
            }
        }

        var suggested = key.ToString().TrimEnd('_', '-');
        return suggested.Length > 64 ? suggested[..64].TrimEnd('_', '-') : suggested;
    }
}
