using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>The refresh token as an HttpOnly cookie scoped to /auth, so script never needs to store it.</summary>
public static class RefreshCookie
{
    public const string Name = "refresh_token";
    private const string Path = "/auth";

    public static void Set(HttpContext context, string token, DateTime expiresAt) =>
        context.Response.Cookies.Append(Name, token, Options(context, expiresAt));

    public static void Clear(HttpContext context) =>
        context.Response.Cookies.Delete(Name, Options(context, null));

    /// <summary>The body's token wins over the cookie: a script may hold several sessions.</summary>
    public static string? Read(HttpContext context, string? fromBody) =>
        string.IsNullOrWhiteSpace(fromBody) ? context.Request.Cookies[Name] : fromBody;

    private static CookieOptions Options(HttpContext context, DateTime? expiresAt) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        // Behind a TLS proxy the request reaches us as plain HTTP, yet the browser's side is HTTPS.
        Secure = context.Request.IsHttps
                 || (context.RequestServices.GetRequiredService<IOptions<RefreshCookieOptions>>().Value.Secure
                     ?? !context.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment()),
        Path = Path,
        Expires = expiresAt,
    };
}
