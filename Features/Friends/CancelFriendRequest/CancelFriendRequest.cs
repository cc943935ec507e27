using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Friends.CancelFriendRequest;

public static class CancelFriendRequest
{
    public sealed record Command(long UserId, long RequestId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.Friends>;

    public sealed class Handler(MySqlDataSource db, TimeProvider time, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        // Only the sender can see the request here; for anyone else it does not exist.
        private const string FindSql = "SELECT to_user_id, status FROM friend_requests WHERE id = @RequestId AND from_user_id = @UserId FOR UPDATE";

        private const string CancelSql = "UPDATE friend_requests SET status = 'cancelled', responded_at = @Now WHERE id = @RequestId";

        private sealed record Row(long ToUserId, string Status);

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FindSql, command, transaction,
                          cancellationToken: cancellationToken))
                      ?? throw new NotFoundException($"friend request {command.RequestId} not found");
            if (row.Status != "pending")
                throw new ConflictException($"friend request {command.RequestId} is no longer pending (it is {row.Status})");
            await connection.ExecuteAsync(new CommandDefinition(CancelSql, new { command.RequestId, Now = time.UtcNowMs() }, transaction,
                cancellationToken: cancellationToken));
            var request = await connection.GetRequestAsync(command.RequestId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);

            // The recipient's pending list must lose it: a response with status "cancelled".
            await hub.Clients.Users(row.ToUserId, command.UserId).FriendRequestResponded(request);
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/friends/requests/{id:long}", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(CancelFriendRequest))
                .WithTags("Friends")
                .WithSummary("Withdraw a friend request I sent")
                .WithDescription("404 unless you sent it; 409 when it is no longer pending. Both users receive FriendRequestResponded " +
                                 "with status \"cancelled\".")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
