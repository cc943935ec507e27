using Dapper;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using MySqlConnector;

namespace Messenger.Features.Auth;

public sealed record AuthResponse(
    string AccessToken, DateTime AccessTokenExpiresAt, string RefreshToken, DateTime RefreshTokenExpiresAt, MeProfile User);

/// <summary>Sessions and refresh tokens, shared by Register, Login and Refresh.</summary>
public static class AuthAccess
{
    private const string InsertSessionSql = """
        INSERT INTO sessions (user_id, created_at) VALUES (@UserId, @Now);
        SELECT LAST_INSERT_ID();
        """;

    private const string InsertRefreshTokenSql = """
        INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
        VALUES (@SessionId, @TokenHash, @Now, @ExpiresAt)
        """;

    public static async Task<AuthResponse> StartSessionAsync(this MySqlConnection connection, MySqlTransaction transaction,
        long userId, TokenIssuer tokens, TimeProvider time, CancellationToken cancellationToken)
    {
        var sessionId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertSessionSql,
            new { UserId = userId, Now = time.UtcNowMs() }, transaction, cancellationToken: cancellationToken));
        return await connection.IssueTokensAsync(transaction, sessionId, userId, tokens, time, cancellationToken);
    }

    /// <summary>A fresh access token and the session's next refresh token.</summary>
    public static async Task<AuthResponse> IssueTokensAsync(this MySqlConnection connection, MySqlTransaction transaction,
        long sessionId, long userId, TokenIssuer tokens, TimeProvider time, CancellationToken cancellationToken)
    {
        var user = await connection.FindMeProfileAsync(userId, cancellationToken, transaction)
            ?? throw new InvalidOperationException($"User {userId} vanished inside its own transaction.");
        var refreshToken = TokenIssuer.NewRefreshToken();
        var refreshExpiresAt = tokens.RefreshTokenExpiry();
        await connection.ExecuteAsync(new CommandDefinition(InsertRefreshTokenSql,
            new { SessionId = sessionId, TokenHash = TokenIssuer.HashRefreshToken(refreshToken), Now = time.UtcNowMs(), ExpiresAt = refreshExpiresAt },
            transaction, cancellationToken: cancellationToken));
        var (accessToken, accessExpiresAt) = tokens.CreateAccessToken(userId, user.Username, sessionId);
        return new AuthResponse(accessToken, accessExpiresAt, refreshToken, refreshExpiresAt, user);
    }

    /// <summary>Register, login and refresh all answer the same way: the tokens, and the cookie.</summary>
    public static IResult WithRefreshCookie(this AuthResponse response, HttpContext context, int status)
    {
        RefreshCookie.Set(context, response.RefreshToken, response.RefreshTokenExpiresAt);
        return status == StatusCodes.Status201Created ? Results.Created("/users/me", response) : Results.Ok(response);
    }
}
