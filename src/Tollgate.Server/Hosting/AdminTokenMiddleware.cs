using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Server.Hosting;

/// <summary>Requires <c>Authorization: Bearer &lt;token&gt;</c> on the admin and console listeners, except <c>/healthz</c>.</summary>
internal sealed class AdminTokenMiddleware(RequestDelegate next, string token)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

    public Task InvokeAsync(HttpContext context)
    {
        var listener = ListenerMatcherPolicy.Of(context);
        if (listener is Listener.Proxy || context.Request.Path == "/healthz")
        {
            return next(context);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), _expected))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(detail: "a valid admin token is required: Authorization: Bearer <token>", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized")
            .ExecuteAsync(context);
    }
}
