using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Messenger.Infrastructure.Database;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Messenger.Infrastructure.Auth;

public sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
{
    public const string SessionClaim = "sid";
    private static readonly JsonWebTokenHandler Handler = new();
    private readonly JwtOptions _options = options.Value;

    public (string Token, DateTime ExpiresAt) CreateAccessToken(long userId, string username, long sessionId)
    {
        var now = time.UtcNowMs();
        var expires = now.AddMinutes(_options.AccessTokenMinutes);
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()),
                new Claim(JwtRegisteredClaimNames.UniqueName, username),
                new Claim(SessionClaim, sessionId.ToString()),
            ]),
            SigningCredentials = new SigningCredentials(SigningKey(_options), SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    public DateTime RefreshTokenExpiry() => time.UtcNowMs().AddDays(_options.RefreshTokenDays);

    /// <summary>256 random bits; the client holds the token, the database only its SHA-256.</summary>
    public static string NewRefreshToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static byte[] HashRefreshToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static SymmetricSecurityKey SigningKey(JwtOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey));
}
