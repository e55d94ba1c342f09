namespace Tollgate.Gateway.Access;

/// <summary>
/// Decides, before a request is proxied, whether its consumer may use the route's feature (the
/// <c>entitlement</c> plugin), and holds the tokens it may spend until the real count is known. Billing implements
/// it from entitlements; the proxy calls it on every request of such a route, so it answers from memory.
/// </summary>
public interface IGatewayAccess
{
    /// <summary>
    /// Admits or refuses <paramref name="request"/>. An admitted request must be settled exactly once with what it
    /// really used (0 when it never reached the provider).
    /// </summary>
    ValueTask<AccessDecision> AdmitAsync(AccessRequest request, CancellationToken cancellationToken);
}

/// <summary>Who asks for which feature, and the most the request can spend (0 for a request that is not metered).</summary>
public readonly record struct AccessRequest(string Feature, string? ConsumerUsername, string? ConsumerCustomId, long WorstCase);

/// <summary>Why a request was refused: no access (403) or a used-up hard limit (429).</summary>
public enum AccessDenial
{
    None,
    NoAccess,
    LimitReached,
}

/// <summary>The answer to <see cref="IGatewayAccess.AdmitAsync"/>; an admitted one carries what to do once usage is known.</summary>
public sealed class AccessDecision
{
    private Action<long>? _settle;

    private AccessDecision(AccessDenial denial, string? message, Action<long>? settle)
    {
        Denial = denial;
        Message = message;
        _settle = settle;
    }

    public static AccessDecision Admitted { get; } = new(AccessDenial.None, null, null);

    public AccessDenial Denial { get; }

    public bool IsAdmitted => Denial == AccessDenial.None;

    /// <summary>What to tell the client when refused.</summary>
    public string? Message { get; }

    public static AccessDecision Admit(Action<long> settle) => new(AccessDenial.None, null, settle);

    public static AccessDecision Refuse(AccessDenial denial, string message) => new(denial, message, null);

    /// <summary>Gives back what was held beyond <paramref name="used"/>; only the first call counts.</summary>
    public void Settle(long used) => Interlocked.Exchange(ref _settle, null)?.Invoke(used);
}
