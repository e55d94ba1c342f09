using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
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
    public static IServiceCollection AddConsole(this IServiceCollection services, string? adminToken)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Sessions and circuits are this process's: keys live in memory, so nothing is written beside the data and a
        // restart asks to sign in again.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
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
