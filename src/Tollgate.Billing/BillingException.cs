namespace Tollgate.Billing;

/// <summary>A request billing refuses; the API answers it as <c>application/problem+json</c> and nothing is stored.</summary>
public abstract class BillingException(string message) : Exception(message)
{
    public abstract int StatusCode { get; }
}

/// <summary>400: <paramref name="field"/> (a JSON path without <c>$.</c>) is wrong, and why.</summary>
public sealed class BillingValidationException(string field, string reason) : BillingException($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;

    public override int StatusCode => 400;
}

/// <summary>404: what was asked for does not exist (or is deleted).</summary>
public sealed class BillingNotFoundException(string message) : BillingException(message)
{
    public override int StatusCode => 404;
}

/// <summary>
/// 409: the request clashes with what exists, e.g. a key already taken; <paramref name="field"/> names the request's
/// field that clashes, when there is one (forms show the refusal there).
/// </summary>
public sealed class BillingConflictException(string message, string? field = null) : BillingException(message)
{
    public string? Field { get; } = field;

    public override int StatusCode => 409;
}
