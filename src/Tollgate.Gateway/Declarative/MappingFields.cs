using YamlDotNet.RepresentationModel;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// The fields of one mapping in the file, taken one by one by the code that knows them; whatever is left at the end
/// is an unknown field, reported with the nearest known name when there is a likely typo.
/// </summary>
internal sealed class MappingFields
{
    private readonly List<(string Key, YamlNode Value)> _entries = [];
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public MappingFields(YamlMappingNode node, string entity, string prefix, List<Entities.ConfigError> errors)
    {
        Entity = entity;
        Prefix = prefix;
        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode { Value: { } text })
            {
                _entries.Add((text, value));
            }
            else
            {
                errors.Add(new(entity, prefix.TrimEnd('.'), $"a key must be a string (line {key.Start.Line}, column {key.Start.Column})"));
            }
        }
    }

    /// <summary>How errors name the entity; set once its name has been read.</summary>
    public string Entity { get; set; }

    /// <summary>What goes before a field's name in errors: empty, or <c>keyauth_credentials[0].</c> for a nested part.</summary>
    public string Prefix { get; }

    /// <summary>The value of a field, or null when the mapping does not have it.</summary>
    public YamlNode? Take(string field)
    {
        _known.Add(field);
        foreach (var (key, value) in _entries)
        {
            if (string.Equals(key, field, StringComparison.Ordinal))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The fields no one took, with the message for each.</summary>
    public IEnumerable<(string Field, string Message)> Unknown(string message)
    {
        foreach (var (key, _) in _entries)
        {
            if (_known.Contains(key))
            {
                continue;
            }

            if (key == "<<")
            {
                yield return (Prefix + key, "YAML merge keys (<<) are not supported: write the fields out");
                continue;
            }

            var nearest = _known.Select(known => (known, distance: EditDistance(key, known)))
                .Where(candidate => candidate.distance <= Math.Max(1, key.Length / 4))
                .OrderBy(candidate => candidate.distance)
                .ThenBy(candidate => candidate.known, StringComparer.Ordinal)
                .Select(candidate => candidate.known)
                .FirstOrDefault();
            yield return (Prefix + key, nearest is null ? message : $"{message} (did you mean '{nearest}'?)");
        }
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
