using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Messenger.Infrastructure.Auth;

public static class CurrentUser
{
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(JwtRegisteredClaimNames.Sub) ?? throw new InvalidOperationException("No authenticated user."));

    public static long SessionId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(TokenIssuer.SessionClaim) ?? throw new InvalidOperationException("No session claim."));

    /// <summary>
    /// The user and session a token names, or false when it names them in any shape other than the
    /// one <see cref="TokenIssuer"/> writes: authentication refuses such a token, so
    /// <see cref="UserId"/> and <see cref="SessionId"/> never meet one.
    /// </summary>
    public static bool TryGetSession(this ClaimsPrincipal user, out long userId, out long sessionId)
    {
        sessionId = 0;
        return long.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), NumberStyles.None, CultureInfo.InvariantCulture, out userId)
               && long.TryParse(user.FindFirstValue(TokenIssuer.SessionClaim), NumberStyles.None, CultureInfo.InvariantCulture, out sessionId);
    }
}
