namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>
/// The app implementations this build has, by type: invoicing asks it which <see cref="IInvoicingApp"/> serves an
/// installed app. A new app (Stripe) is one more <see cref="IInvoicingApp"/> registration.
/// </summary>
public sealed class InvoicingApps
{
    private readonly Dictionary<string, IInvoicingApp> _byType;

    public InvoicingApps(IEnumerable<IInvoicingApp> apps)
    {
        ArgumentNullException.ThrowIfNull(apps);
        _byType = new Dictionary<string, IInvoicingApp>(StringComparer.Ordinal);
        foreach (var app in apps)
        {
            // Two registrations for one type would make the choice depend on registration order.
            if (!_byType.TryAdd(app.Type, app))
            {
                throw new InvalidOperationException($"two invoicing app implementations are registered for type \"{app.Type}\"");
            }
        }
    }

    /// <summary>The types an implementation exists for.</summary>
    public IReadOnlyCollection<string> Types => _byType.Keys;

    /// <summary>The implementation serving <paramref name="app"/>'s type; throws when this build has none.</summary>
    public IInvoicingApp For(InstalledApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return _byType.TryGetValue(app.Type, out var implementation)
            ? implementation
            : throw new InvalidOperationException($"app {app.Id} (\"{app.Name}\") is of type \"{app.Type}\", which this build of Tollgate cannot invoice with (it has: {string.Join(", ", _byType.Keys.Order(StringComparer.Ordinal))})");
    }
}
