using Tollgate.Billing;
using Tollgate.Gateway.Storage;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;

namespace Tollgate.WebConsole.Forms;

/// <summary>
/// Why the last save was refused, per form field. The module services name the field of their API (a JSON path such
/// as <c>meterGroupByFilters.provider</c>); a form maps those to its inputs, and whatever maps to none is shown
/// above the form. A refusal changes nothing, so the form keeps what the person typed.
/// </summary>
public sealed class FormErrors
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    /// <summary>A refusal that names no field of this form.</summary>
    public string? General { get; private set; }

    public bool Any => General is not null || _fields.Count > 0;

    /// <summary>The reason shown at the input with this id, if any.</summary>
    public string? this[string input] => _fields.GetValueOrDefault(input);

    /// <summary><c>aria-invalid</c> for the input: "true" when it carries an error.</summary>
    public string? Invalid(string input) => _fields.ContainsKey(input) ? "true" : null;

    /// <summary><c>aria-describedby</c> for the input: its error, when it has one, so a screen reader reads it with the field.</summary>
    public string? DescribedBy(string input) => _fields.ContainsKey(input) ? input + "-error" : null;

    public void Clear()
    {
        _fields.Clear();
        General = null;
    }

    /// <summary>Puts a reason at an input (checks the form makes before calling a service, e.g. "pick a feature").</summary>
    public void Add(string input, string reason) => _fields.TryAdd(input, reason);

    public void Fail(string reason) => General = reason;

    /// <summary>
    /// Runs a save. A refusal from a module service is shown at the fields it names (through <paramref name="inputs"/>,
    /// API field → input id; a field is matched exactly, then by its first path segment) and returns false.
    /// </summary>
    public async Task<bool> RunAsync(Func<Task> save, IReadOnlyDictionary<string, string>? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(save);
        Clear();
        try
        {
            await save();
            return true;
        }
        catch (BillingValidationException refused)
        {
            Place(refused.Field, refused.Reason, inputs);
        }
        catch (MeterValidationException refused)
        {
            Place(refused.Field, refused.Reason, inputs);
        }
        catch (MeterQueryException refused)
        {
            Place(refused.Field, refused.Reason, inputs);
        }
        catch (GatewayConfigException refused)
        {
            foreach (var error in refused.Errors)
            {
                Place(error.Field, error.Message, inputs, error.Entity);
            }
        }
        catch (BillingConflictException refused) when (refused.Field is { } field)
        {
            Place(field, refused.Message, inputs);
        }
        catch (BillingException refused)
        {
            Fail(refused.Message);
        }
        catch (MeterConflictException refused)
        {
            Place("slug", refused.Message, inputs);
        }

        return false;
    }

    private void Place(string field, string reason, IReadOnlyDictionary<string, string>? inputs, string? entity = null)
    {
        if (inputs is not null && (inputs.TryGetValue(field, out var input) || inputs.TryGetValue(field.Split('.', '[')[0], out input)))
        {
            Add(input, reason);
            return;
        }

        var where = entity is null ? field : $"{entity}: {field}";
        General = General is null ? $"{where}: {reason}" : $"{General}; {where}: {reason}";
    }
}
