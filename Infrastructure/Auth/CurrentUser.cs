using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Messenger.Infrastructure.Auth;

public static class CurrentUser
{
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(JwtRegisteredClaimNames.Sub) ?? throw new InvalidOperationException("No authenticated user."));

    public static long SessionId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(TokenIssuer.SessionClaim) ?? throw new InvalidOperationException("No session claim."));
}
