using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Store;
using Tollgate.Store.Postgres;
using Tollgate.WebConsole.Access;
using Tollgate.WebConsole.Components;
using Tollgate.WebConsole.Endpoints;

namespace Tollgate.WebConsole;

/// <summary>
/// The web console: Razor components rendered on the server and kept live over a circuit, served on the console
/// listener. Pages call the modules' services, as the HTTP API does; the console holds no business rules.
/// </summary>
public static class ConsoleModule
{
    /// <summary>The console's schema steps on <paramref name="provider"/>.</summary>
    public static IReadOnlyList<StoreMigration> Migrations(StoreProvider provider) => ConsoleKeyRing.Migrations(provider);

    public static IServiceCollection AddConsole(this IServiceCollection services, string? adminToken, StoreProvider provider)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Sessions and circuits are protected with keys kept in the store: a restart keeps people signed in, and every
        // node of a PostgreSQL deployment reads the same keys.
        services.AddSingleton(sp => new ConsoleKeyRing(provider == StoreProvider.Postgres
            ? () => sp.GetRequiredService<PostgresStore>().DataSource.OpenConnection()
            : () => sp.GetRequiredService<SqliteStore>().OpenConnection()));
        services.AddDataProtection().SetApplicationName("tollgate");
        services.AddOptions<KeyManagementOptions>().Configure<ConsoleKeyRing>((options, keys) => options.XmlRepository = keys);
        services.AddSingleton(new ConsoleAccess(adminToken));
        services.AddSingleton<ConsoleSession>();
        return services;
    }

    /// <summary>The pages, the circuit's hub and the sign-in form post; scope them to the console's listener.</summary>
    public static RouteGroupBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        var console = endpoints.MapGroup(string.Empty);
        console.MapPost("/login", ([FromForm] string? token, [FromForm] string? returnUrl, HttpContext http, ConsoleSession session) =>
        {
            var target = ConsoleSession.LocalReturnUrl(returnUrl);
            if (!session.TokenMatches(token))
            {
                return Results.Redirect($"/login?failed=true&returnUrl={Uri.EscapeDataString(target)}");
            }

            session.SignIn(http);
            return Results.Redirect(target);
        });
        console.MapPost("/logout", (HttpContext http) =>
        {
            ConsoleSession.SignOut(http);
            return Results.Redirect("/login");
        });
        console.MapInvoiceDocument();
        console.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return console;
    }
}
