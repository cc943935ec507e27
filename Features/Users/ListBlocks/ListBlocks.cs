using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Users.ListBlocks;

public static class ListBlocks
{
    public sealed record Query(long UserId) : IRequest<IReadOnlyList<UserSummary>>;

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, IReadOnlyList<UserSummary>>
    {
        private const string BlocksSql = $"""
            SELECT {UsersAccess.SummaryColumns}
            FROM blocks b JOIN users u ON u.id = b.blocked_id
            WHERE b.blocker_id = @UserId
            ORDER BY u.username
            """;

        public async Task<IReadOnlyList<UserSummary>> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return (await connection.QueryAsync<UserSummary>(new CommandDefinition(BlocksSql, query, cancellationToken: cancellationToken))).AsList();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/users/me/blocks", (IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId()), ct))
                .WithName(nameof(ListBlocks))
                .WithTags("Users")
                .WithSummary("The users I have blocked")
                .WithDescription("All of them in one list (no paging), ordered by username. Only my own blocks: who blocked me is never shown.")
                .RequireAuthorization()
                .Produces<IReadOnlyList<UserSummary>>();
    }
}
