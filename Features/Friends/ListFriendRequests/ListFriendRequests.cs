using Carter;
using MediatR;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Friends.ListFriendRequests;

public static class ListFriendRequests
{
    public sealed record Query(long UserId) : IRequest<Response>;

    public sealed record Response(IReadOnlyList<FriendRequest> Incoming, IReadOnlyList<FriendRequest> Outgoing);

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, Response>
    {
        private const string IncomingWhere = "WHERE r.to_user_id = @UserId AND r.status = 'pending' ORDER BY r.id";
        private const string OutgoingWhere = "WHERE r.from_user_id = @UserId AND r.status = 'pending' ORDER BY r.id";

        public async Task<Response> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var incoming = await connection.QueryRequestsAsync(IncomingWhere, query, cancellationToken);
            var outgoing = await connection.QueryRequestsAsync(OutgoingWhere, query, cancellationToken);
            return new Response(incoming, outgoing);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/friends/requests", (IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId()), ct))
                .WithName(nameof(ListFriendRequests))
                .WithTags("Friends")
                .WithSummary("My pending friend requests, incoming and outgoing, oldest first")
                .RequireAuthorization()
                .Produces<Response>();
    }
}
