using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Reads an entity's fields out of a request body, as Kong's schema does: each field typed, strings accepted for
/// numbers and booleans (form posts send only strings), unknown fields refused, and every problem collected as a
/// <see cref="ConfigError"/> naming the field.
/// </summary>
internal sealed class FieldReader(JsonObject body, string entity, List<ConfigError> errors)
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public List<ConfigError> Errors => errors;

    public bool Has(string field) => body.ContainsKey(field);

    public string? String(string field, string? fallback)
    {
        _known.Add(field);
        if (!body.TryGetPropertyValue(field, out var node))
        {
            return fallback;
        }

        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }

        Fail(field, "expected a string");
        return fallback;
    }

    public int Int(string field, int fallback)
    {
        _known.Add(field);
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return fallback;
        }

        if (node is JsonValue value)
        {
            if (value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number))
            {
                return number;
            }

            if (value.TryGetValue<string>(out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
            {
                return number;
            }
        }

        Fail(field, "expected an integer");
        return fallback;
    }

    public int? NullableInt(string field, int? fallback) =>
        body.TryGetPropertyValue(field, out var node) && node is null ? Known(field, (int?)null) : Has(field) ? Int(field, 0) : Known(field, fallback);

    public bool Bool(string field, bool fallback)
    {
        _known.Add(field);
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return fallback;
        }

        if (node is JsonValue value)
        {
            if (value.TryGetValue<bool>(out var flag))
            {
                return flag;
            }

            if (value.TryGetValue<string>(out var text) && bool.TryParse(text, out flag))
            {
                return flag;
            }
        }

        Fail(field, "expected a boolean");
        return fallback;
    }

    public bool? NullableBool(string field, bool? fallback) =>
        body.TryGetPropertyValue(field, out var node) && node is null ? Known(field, (bool?)null) : Has(field) ? Bool(field, false) : Known(field, fallback);

    /// <summary>A list of strings; a single string counts as a list of one (form posts).</summary>
    public IReadOnlyList<string>? Strings(string field, IReadOnlyList<string>? fallback)
    {
        _known.Add(field);
        if (!body.TryGetPropertyValue(field, out var node))
        {
            return fallback;
        }

        switch (node)
        {
            case null:
                return null;
            case JsonValue single when single.TryGetValue<string>(out var text):
                return [text];
            case JsonArray array:
                var list = new List<string>(array.Count);
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue item && item.TryGetValue<string>(out var element))
                    {
                        list.Add(element);
                    }
                    else
                    {
                        Fail($"{field}[{i}]", "expected a string");
                    }
                }

                return list;
            default:
                Fail(field, "expected an array of strings");
                return fallback;
        }
    }

    /// <summary>Header conditions: an object of header name to a list of values.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? StringLists(string field, IReadOnlyDictionary<string, IReadOnlyList<string>>? fallback)
    {
        _known.Add(field);
        if (!body.TryGetPropertyValue(field, out var node))
        {
            return fallback;
        }

        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject map)
        {
            Fail(field, "expected an object of header names to lists of values");
            return fallback;
        }

        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in map)
        {
            result[name] = values switch
            {
                JsonArray array => [.. array.Select(v => v?.ToString() ?? string.Empty)],
                JsonValue value => [value.ToString()],
                _ => [],
            };
        }

        return result;
    }

    public JsonObject? Object(string field, JsonObject? fallback)
    {
        _known.Add(field);
        if (!body.TryGetPropertyValue(field, out var node))
        {
            return fallback;
        }

        if (node is null or JsonObject)
        {
            return (JsonObject?)node?.DeepClone();
        }

        Fail(field, "expected an object");
        return fallback;
    }

    /// <summary>
    /// A reference to another entity: <c>{"id": ...}</c>, <c>{"name": ...}</c> or a bare id or name, resolved by
    /// <paramref name="resolve"/> (which returns null when nothing has that id or name).
    /// </summary>
    public EntityRef? Reference(string field, EntityRef? fallback, Func<string, Guid?> resolve)
    {
        _known.Add(field);
        if (!body.TryGetPropertyValue(field, out var node))
        {
            return fallback;
        }

        string? key = node switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            JsonObject reference => (reference["id"] ?? reference["name"] ?? reference["username"]) is JsonValue inner && inner.TryGetValue<string>(out var text) ? text : null,
            _ => null,
        };
        if (node is null)
        {
            return null;
        }

        if (key is null)
        {
            Fail(field, "expected a reference: {\"id\": \"...\"} or {\"name\": \"...\"}");
            return fallback;
        }

        if (resolve(key) is { } id)
        {
            return new EntityRef(id);
        }

        Fail(field, $"the entity '{key}' does not exist");
        return fallback;
    }

    /// <summary>Marks fields the entity accepts but Tollgate does not keep (Kong fields with no effect here).</summary>
    public void Ignore(params string[] fields)
    {
        foreach (var field in fields)
        {
            _known.Add(field);
        }
    }

    /// <summary>Reports every field the reader was never asked for.</summary>
    public void RejectUnknown()
    {
        foreach (var (field, _) in body)
        {
            if (!_known.Contains(field))
            {
                Fail(field, "unknown field");
            }
        }
    }

    public void Fail(string field, string message) => errors.Add(new ConfigError(entity, field, message));

    private T Known<T>(string field, T value)
    {
        _known.Add(field);
        return value;
    }
}
