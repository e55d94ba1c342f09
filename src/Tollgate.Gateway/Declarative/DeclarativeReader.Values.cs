using System.Text.Json.Nodes;
using Tollgate.Gateway.Entities;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// The values of the file: scalars typed by YAML's core schema, <c>${{ env "DECK_NAME" }}</c> substituted, checked
/// against the type each field wants, and plugin config carried over to JSON.
/// </summary>
internal sealed partial class DeclarativeReader
{
    private Guid? Id(MappingFields fields)
    {
        if (String(fields, "id") is not { } text)
        {
            return null;
        }

        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        Error(fields.Entity, fields.Prefix + "id", $"expected a UUID, not '{text}'");
        return null;
    }

    private string? String(MappingFields fields, string field) => fields.Take(field) is { } node ? StringValue(node, fields.Entity, fields.Prefix + field) : null;

    private int? Int(MappingFields fields, string field) => fields.Take(field) is { } node ? IntValue(node, fields.Entity, fields.Prefix + field) : null;

    private bool? Bool(MappingFields fields, string field) => fields.Take(field) is { } node ? BoolValue(node, fields.Entity, fields.Prefix + field) : null;

    private List<string>? Strings(MappingFields fields, string field) => fields.Take(field) is { } node ? StringList(node, fields.Entity, fields.Prefix + field) : null;

    private string? StringValue(YamlNode node, string entity, string field)
    {
        var scalar = Scalar(node, entity, field, "a string");
        if (scalar is { Kind: ScalarKind.String } text)
        {
            return text.Text;
        }

        if (scalar is { Kind: not ScalarKind.Null })
        {
            Mismatch(node, entity, field, "a string");
        }

        return null;
    }

    private int? IntValue(YamlNode node, string entity, string field)
    {
        if (Scalar(node, entity, field, "an integer") is not { } scalar || scalar.Kind == ScalarKind.Null)
        {
            return null;
        }

        // A substituted value has no YAML type of its own; the field's type decides how it reads.
        if (scalar.Kind == ScalarKind.Int || (scalar.Substituted && YamlScalars.KindOfPlain(scalar.Text) == ScalarKind.Int))
        {
            var value = YamlScalars.ToInteger(scalar.Text);
            if (value >= int.MinValue && value <= int.MaxValue)
            {
                return (int)value;
            }

            Error(entity, field, $"expected an integer between {int.MinValue} and {int.MaxValue}, not {Found(node)}");
            return null;
        }

        Mismatch(node, entity, field, "an integer", scalar.Substituted);
        return null;
    }

    private bool? BoolValue(YamlNode node, string entity, string field)
    {
        if (Scalar(node, entity, field, "a boolean") is not { } scalar || scalar.Kind == ScalarKind.Null)
        {
            return null;
        }

        if (scalar.Kind == ScalarKind.Bool || (scalar.Substituted && YamlScalars.KindOfPlain(scalar.Text) == ScalarKind.Bool))
        {
            return YamlScalars.ToBool(scalar.Text);
        }

        Mismatch(node, entity, field, "a boolean (true or false)", scalar.Substituted);
        return null;
    }

    private List<string>? StringList(YamlNode node, string entity, string field)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(entity, field, $"expected a list of strings, not {Found(node)}");
            return null;
        }

        var values = new List<string>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (IsNull(item))
            {
                Error(entity, $"{field}[{i}]", "expected a string, not null");
            }
            else if (StringValue(item, entity, $"{field}[{i}]") is { } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>Plugin config as JSON: YAML's types carried over, as decK does when it sends the file to Kong.</summary>
    private JsonNode? ToJson(YamlNode node, string entity, string field)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var json = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (KeyText(key, entity, field) is not { } name)
                    {
                        continue;
                    }

                    json[name] = ToJson(value, entity, $"{field}.{name}");
                }

                return json;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    array.Add(ToJson(sequence.Children[i], entity, $"{field}[{i}]"));
                }

                return array;
        }

        var scalar = Scalar(node, entity, field, "a value", plainWhenWholeSubstitution: true);
        switch (scalar?.Kind)
        {
            case null or ScalarKind.Null:
                return null;
            case ScalarKind.Bool:
                return JsonValue.Create(YamlScalars.ToBool(scalar.Value.Text));
            case ScalarKind.String:
                return JsonValue.Create(scalar.Value.Text);
            default:
                if (YamlScalars.ToJsonNumber(scalar.Value.Text, scalar.Value.Kind) is { } number)
                {
                    return number;
                }

                Error(entity, field, $"{Found(node)} cannot be written in JSON");
                return null;
        }
    }

    /// <summary>
    /// A scalar's text and kind after <c>${{ env "DECK_NAME" }}</c> substitution. A substituted value is a string,
    /// except that in plugin config (<paramref name="plainWhenWholeSubstitution"/>) a plain scalar that is exactly one
    /// expression reads as if its value had been written there unquoted, so it may be a number, boolean or null.
    /// </summary>
    private ScalarValue? Scalar(YamlNode node, string entity, string field, string expected, bool plainWhenWholeSubstitution = false)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(entity, field, $"expected {expected}, not {Found(node)}");
            return null;
        }

        if (YamlScalars.KindOf(scalar, out var problem) is not { } kind)
        {
            Error(entity, field, problem!);
            return null;
        }

        var value = scalar.Value ?? string.Empty;
        if (kind != ScalarKind.String)
        {
            return new ScalarValue(value, kind, false);
        }

        var outcome = EnvironmentSubstitution.Apply(value, environment);
        foreach (var substitutionProblem in outcome.Problems)
        {
            Error(entity, field, substitutionProblem);
        }

        if (outcome.Problems.Count > 0)
        {
            return null;
        }

        if (outcome.WholeScalar && plainWhenWholeSubstitution && scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty)
        {
            return new ScalarValue(outcome.Text, YamlScalars.KindOfPlain(outcome.Text), true);
        }

        return new ScalarValue(outcome.Text, ScalarKind.String, outcome.Substituted);
    }

    private void Mismatch(YamlNode node, string entity, string field, string expected, bool substituted = false) =>
        Error(entity, field, substituted ? $"expected {expected}: the environment variable's value is not one" : $"expected {expected}, not {Found(node)}");

    private string? KeyText(YamlNode key, string entity, string field)
    {
        if (key is YamlScalarNode { Value: { } text })
        {
            return text;
        }

        Error(entity, field, $"a key must be a string, not {Found(key)}");
        return null;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode scalar && YamlScalars.KindOf(scalar, out _) == ScalarKind.Null;

    /// <summary>What was written instead of the expected value, as the message shows it (never a substituted secret).</summary>
    private static string Found(YamlNode node) => node switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        YamlScalarNode scalar => YamlScalars.KindOf(scalar, out _) switch
        {
            ScalarKind.Null => "null",
            ScalarKind.Bool => $"the boolean {scalar.Value}",
            ScalarKind.Int or ScalarKind.Float => $"the number {scalar.Value}",
            _ => $"'{scalar.Value}'",
        },
        _ => "an unexpected node",
    };

    private void Error(string entity, string field, string message) => Errors.Add(new ConfigError(entity, field, message));

    private readonly record struct ScalarValue(string Text, ScalarKind Kind, bool Substituted);
}
