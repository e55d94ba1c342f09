using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Storage;

namespace Tollgate.Gateway.Routing;

/// <summary>
/// The gateway's config: changes go to the store, and the proxy's snapshot moves forward to each stored version,
/// whether the change was made on this node or (picked up by <see cref="GatewayConfigRefresher"/>) on another.
/// </summary>
public sealed class GatewayConfigService
{
    private readonly GatewayStore _store;
    private readonly Lock _publishing = new();
    private volatile ProxySnapshot _snapshot = ProxySnapshot.Empty;

    internal GatewayConfigService(GatewayStore store) => _store = store;

    /// <summary>The config the proxy is using now.</summary>
    public GatewayConfig Current => _snapshot.Config;

    internal ProxySnapshot Snapshot => _snapshot;

    /// <summary>
    /// Applies <paramref name="change"/> to the stored config and returns the result, now in force on this node;
    /// throws <see cref="GatewayConfigException"/> having changed nothing when the result is invalid.
    /// </summary>
    public async Task<GatewayConfig> ChangeAsync(Func<GatewayConfig, GatewayConfig> change, CancellationToken cancellationToken)
    {
        var next = await _store.ChangeAsync(change, cancellationToken);
        Publish(next);
        return next;
    }

    /// <summary>
    /// Replaces the whole config with what a decK file declares, in one change: entities the file no longer has
    /// are deleted, the others keep their ids. Throws <see cref="GatewayConfigException"/> (nothing changed) when
    /// the file is invalid.
    /// </summary>
    public Task<GatewayConfig> ApplyDeclarativeAsync(string text, Func<string, string?> environment, TimeProvider time, CancellationToken cancellationToken) =>
        ChangeAsync(current =>
        {
            var parsed = Declarative.DeclarativeConfig.Parse(text, current, environment, time);
            return parsed.Config is { } config ? config with { Version = current.Version } : throw new GatewayConfigException(parsed.Errors);
        }, cancellationToken);

    /// <summary>Reloads from the store when its version moved (a change on another node).</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var version = await _store.ReadVersionAsync(cancellationToken);
        if (version == _snapshot.Config.Version && _snapshot != ProxySnapshot.Empty)
        {
            return false;
        }

        Publish(await _store.LoadAsync(cancellationToken));
        return true;
    }

    private void Publish(GatewayConfig config)
    {
        var snapshot = ProxySnapshot.Build(config);
        lock (_publishing)
        {
            // Never go back: a slower reload must not replace a newer change.
            if (_snapshot == ProxySnapshot.Empty || config.Version >= _snapshot.Config.Version)
            {
                _snapshot = snapshot;
            }
        }
    }
}
