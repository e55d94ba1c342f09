using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Tollgate.WebConsole.Access;

/// <summary>
/// Who may use the console when Tollgate has an admin token: a person signs in once with the token and gets a
/// session cookie (HttpOnly, SameSite=Strict, protected by this process's keys, valid for 12 hours). Without a
/// token, the console listens on loopback only and asks nothing.
/// </summary>
public sealed class ConsoleSession(ConsoleAccess access, IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "tollgate_console";

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly IDataProtector _protector = protection.CreateProtector("Tollgate.WebConsole.Session");

    /// <summary>Whether a sign-in is needed at all.</summary>
    public bool Required => access.AdminToken is not null;

    /// <summary>Whether <paramref name="token"/> is the admin token (in constant time), for the sign-in form and Bearer headers.</summary>
    public bool TokenMatches(string? token) =>
        access.AdminToken is { } expected && token is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token.Trim()), Encoding.UTF8.GetBytes(expected));

    public bool IsSignedIn(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Required)
        {
            return true;
        }

        if (context.Request.Cookies[CookieName] is not { Length: > 0 } cookie)
        {
            return false;
        }

        try
        {
            var expires = long.Parse(_protector.Unprotect(cookie), NumberStyles.None, CultureInfo.InvariantCulture);
            return time.GetUtcNow().ToUnixTimeSeconds() < expires;
        }
        catch (Exception exception) when (exception is CryptographicException or FormatException or OverflowException)
        {
            return false;
        }
    }

    public void SignIn(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var expires = time.GetUtcNow() + Lifetime;
        context.Response.Cookies.Append(CookieName, _protector.Protect(expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            Expires = expires,
        });
    }

    public static void SignOut(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
    }

    /// <summary>A return address that stays on the console (never another site).</summary>
    public static string LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";
}

/// <summary>The admin token the console's sign-in checks; null when the console asks for none.</summary>
public sealed record ConsoleAccess(string? AdminToken);
