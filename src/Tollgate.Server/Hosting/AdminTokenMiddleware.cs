using Tollgate.WebConsole.Access;

namespace Tollgate.Server.Hosting;

/// <summary>
/// With an admin token, the admin listener wants <c>Authorization: Bearer &lt;token&gt;</c> (except <c>/healthz</c>), and
/// the console wants a signed-in session or that header: a page asked for without either goes to the sign-in form.
/// </summary>
internal sealed class AdminTokenMiddleware(RequestDelegate next, ConsoleSession session)
{
    public Task InvokeAsync(HttpContext context)
    {
        var listener = ListenerMatcherPolicy.Of(context);
        if (listener is Listener.Proxy || context.Request.Path == "/healthz" || HasBearerToken(context))
        {
            return next(context);
        }

        if (listener is Listener.Console)
        {
            var path = context.Request.Path;
            if (session.IsSignedIn(context) || path == "/login" || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content"))
            {
                return next(context);
            }

            if (HttpMethods.IsGet(context.Request.Method) && !path.StartsWithSegments("/_blazor"))
            {
                context.Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(path + context.Request.QueryString));
                return Task.CompletedTask;
            }
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(detail: "a valid admin token is required: Authorization: Bearer <token>", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized")
            .ExecuteAsync(context);
    }

    private bool HasBearerToken(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && session.TokenMatches(header[7..]);
    }
}
