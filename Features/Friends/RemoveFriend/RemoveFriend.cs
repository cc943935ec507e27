using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Friends.RemoveFriend;

public static class RemoveFriend
{
    public sealed record Command(long UserId, long OtherId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.Friends>;

    public sealed class Handler(MySqlDataSource db, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        // The accepted request is the friendship; removing it frees the pair for a new request.
        private const string RemoveSql = $"DELETE FROM friend_requests WHERE {FriendsAccess.LivePair} AND status = 'accepted'";

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            if (await connection.ExecuteAsync(new CommandDefinition(RemoveSql, command, cancellationToken: cancellationToken)) == 0)
                throw new NotFoundException($"user {command.OtherId} is not your friend");

            await hub.Clients.Users(command.OtherId).FriendRemoved(new FriendRemovedEvent(command.UserId));
            // The remover's other tabs drop the friend as well.
            await hub.Clients.Users(command.UserId).FriendRemoved(new FriendRemovedEvent(command.OtherId));
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/friends/{userId:long}", async (long userId, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), userId), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(RemoveFriend))
                .WithTags("Friends")
                .WithSummary("End a friendship")
                .WithDescription("404 when you are not friends. FriendRemoved {userId} goes to the other user (and, naming the " +
                                 "removed friend, to your own connections).")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
