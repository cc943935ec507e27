using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Realtime;
using MySqlConnector;

namespace Messenger.Features.Auth.Logout;

public static class Logout
{
    public sealed record Body(string? RefreshToken);

    public sealed record Command(string? RefreshToken) : IRequest<Unit>;

    public sealed class Handler(MySqlDataSource db, TimeProvider time, ISessionSockets sockets) : IRequestHandler<Command, Unit>
    {
        // Two statements, not an UPDATE ... JOIN: the join locked the token row and the session row in an
        // order that deadlocked (a 500) against a concurrent refresh of the same token. A plain read
        // of the token's session, then a one-row update, holds only the session's lock.
        private const string FindSessionSql = "SELECT session_id FROM refresh_tokens WHERE token_hash = @TokenHash";

        private const string RevokeSessionSql = "UPDATE sessions SET revoked_at = @Now WHERE id = @SessionId AND revoked_at IS NULL";

        // Logging out twice, or with a token that is no longer valid, still ends signed out: no error.
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(command.RefreshToken))
                return Unit.Value;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var sessionId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindSessionSql,
                new { TokenHash = TokenIssuer.HashRefreshToken(command.RefreshToken) }, cancellationToken: cancellationToken));
            if (sessionId is null)
                return Unit.Value;
            await connection.ExecuteAsync(new CommandDefinition(RevokeSessionSql, new { SessionId = sessionId, Now = time.UtcNowMs() },
                cancellationToken: cancellationToken));
            await sockets.CloseSessionAsync(sessionId.Value);
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/auth/logout", async (Body? body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(RefreshCookie.Read(context, body?.RefreshToken)), ct);
                    RefreshCookie.Clear(context);
                    return Results.NoContent();
                })
                .WithName(nameof(Logout))
                .WithTags("Auth")
                .WithSummary("End the session of a refresh token")
                .WithDescription("Revokes the session (its access tokens stop working too) and clears the cookie. Always 204.")
                .AllowAnonymous()
                .Produces(StatusCodes.Status204NoContent);
    }
}
