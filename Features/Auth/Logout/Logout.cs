using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using MySqlConnector;

namespace Messenger.Features.Auth.Logout;

public static class Logout
{
    public sealed record Body(string? RefreshToken);

    public sealed record Command(string? RefreshToken) : IRequest<Unit>;

    public sealed class Handler(MySqlDataSource db, TimeProvider time) : IRequestHandler<Command, Unit>
    {
        private const string RevokeSessionSql = """
            UPDATE sessions s JOIN refresh_tokens t ON t.session_id = s.id
            SET s.revoked_at = @Now
            WHERE t.token_hash = @TokenHash AND s.revoked_at IS NULL
            """;

        // Logging out twice, or with a token that is no longer valid, still ends signed out: no error.
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(command.RefreshToken))
                return Unit.Value;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(RevokeSessionSql,
                new { TokenHash = TokenIssuer.HashRefreshToken(command.RefreshToken), Now = time.UtcNowMs() },
                cancellationToken: cancellationToken));
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
