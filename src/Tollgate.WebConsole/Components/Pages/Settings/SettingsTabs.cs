using Tollgate.WebConsole.Components.Shared;

namespace Tollgate.WebConsole.Components.Pages.Settings;

/// <summary>The Settings section's tabs: Billing profile | Apps.</summary>
internal static class SettingsTabs
{
    public static IReadOnlyList<TabLinks.Tab> All { get; } =
    [
        new("Billing profile", "metering/settings"),
        new("Apps", "metering/settings/apps"),
    ];
}
