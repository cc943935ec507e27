using System.Data;
using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using MySqlConnector;

namespace Messenger.Features.Auth.Refresh;

public static class Refresh
{
    public sealed record Body(string? RefreshToken);

    public sealed record Command(string? RefreshToken) : IRequest<AuthResponse>;

    public sealed class Handler(MySqlDataSource db, TokenIssuer tokens, TimeProvider time, ISessionSockets sockets)
        : IRequestHandler<Command, AuthResponse>
    {
        // FOR UPDATE serialises two refreshes with the same token: the second sees it used.
        private const string FindTokenSql = """
            SELECT t.id, t.session_id, t.expires_at, t.used_at, s.user_id, s.revoked_at
            FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
            WHERE t.token_hash = @TokenHash
            FOR UPDATE
            """;

        private const string MarkUsedSql = "UPDATE refresh_tokens SET used_at = @Now WHERE id = @Id";

        private const string RevokeSessionSql = "UPDATE sessions SET revoked_at = @Now WHERE id = @SessionId AND revoked_at IS NULL";

        private sealed record TokenRow(long Id, long SessionId, DateTime ExpiresAt, DateTime? UsedAt, long UserId, DateTime? RevokedAt);

        public async Task<AuthResponse> Handle(Command command, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(command.RefreshToken))
                throw new UnauthorizedException("A refresh token is required, in the body or the refresh_token cookie.");

            var now = time.UtcNowMs();
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            // Under REPEATABLE READ, concurrent refreshes with one token deadlock (a 500): the waiters' locking
            // reads and the winner's INSERT of the next token wait on each other through gap locks. READ
            // COMMITTED takes no gap locks, and its locking read still sees the latest committed used_at.
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            var token = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(FindTokenSql,
                new { TokenHash = TokenIssuer.HashRefreshToken(command.RefreshToken) }, transaction, cancellationToken: cancellationToken));

            if (token is null || token.RevokedAt is not null || token.ExpiresAt <= now)
                throw new UnauthorizedException("The refresh token is not valid.");
            if (token.UsedAt is not null)
            {
                // A rotated token came back: someone holds a copy. End the whole session.
                await connection.ExecuteAsync(new CommandDefinition(RevokeSessionSql, new { token.SessionId, Now = now }, transaction,
                    cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                await sockets.CloseSessionAsync(token.SessionId);
                throw new UnauthorizedException("The refresh token was already used; the session has been revoked.");
            }

            await connection.ExecuteAsync(new CommandDefinition(MarkUsedSql, new { token.Id, Now = now }, transaction,
                cancellationToken: cancellationToken));
            var response = await connection.IssueTokensAsync(transaction, token.SessionId, token.UserId, tokens, time, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return response;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/auth/refresh", async (Body? body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    var command = new Command(RefreshCookie.Read(context, body?.RefreshToken));
                    return (await mediator.Send(command, ct)).WithRefreshCookie(context, StatusCodes.Status200OK);
                })
                .WithName(nameof(Refresh))
                .WithTags("Auth")
                .WithSummary("Trade a refresh token for new tokens")
                .WithDescription("The token comes from the body or the refresh_token cookie. Each refresh token works once; " +
                                 "presenting a used one revokes the whole session (401).")
                .AllowAnonymous()
                .Produces<AuthResponse>()
                .ProducesProblem(StatusCodes.Status401Unauthorized);
    }
}
