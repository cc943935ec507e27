using Carter;
using Dapper;
using MediatR;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Realtime;
using MySqlConnector;

namespace Messenger.Features.Friends.ListFriends;

public static class ListFriends
{
    public sealed record Query(long UserId) : IRequest<IReadOnlyList<Friend>>;

    public sealed class Handler(MySqlDataSource db, IConnectionTracker connections) : IRequestHandler<Query, IReadOnlyList<Friend>>
    {
        private const string FriendsSql = $"""
            SELECT {UsersAccess.SummaryColumns}, r.responded_at AS since
            FROM friend_requests r JOIN users u ON u.id = r.to_user_id
            WHERE r.from_user_id = @UserId AND r.status = 'accepted'
            UNION ALL
            SELECT {UsersAccess.SummaryColumns}, r.responded_at AS since
            FROM friend_requests r JOIN users u ON u.id = r.from_user_id
            WHERE r.to_user_id = @UserId AND r.status = 'accepted'
            ORDER BY username
            """;

        private sealed record Row(long Id, string Username, string DisplayName, string? AvatarUrl, DateTime Since);

        public async Task<IReadOnlyList<Friend>> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var rows = (await connection.QueryAsync<Row>(new CommandDefinition(FriendsSql, query, cancellationToken: cancellationToken))).AsList();
            var online = await connections.OnlineAmongAsync(rows.Select(r => r.Id));
            return rows.Select(r => new Friend(new UserSummary(r.Id, r.Username, r.DisplayName, r.AvatarUrl), r.Since, online.Contains(r.Id)))
                .ToList();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            foreach (var route in new[] { "/friends", "/users/me/friends" })
                app.MapGet(route, (IMediator mediator, HttpContext context, CancellationToken ct) =>
                        mediator.Send(new Query(context.User.UserId()), ct))
                    .WithName(route == "/friends" ? nameof(ListFriends) : nameof(ListFriends) + "OfMe")
                    .WithTags("Friends")
                    .WithSummary("My friends, by username, with whether each is online now")
                    .WithDescription("All friends in one list (no paging); `since` is when the friendship began.")
                    .RequireAuthorization()
                    .Produces<IReadOnlyList<Friend>>();
        }
    }
}
