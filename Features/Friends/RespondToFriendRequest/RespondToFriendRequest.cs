using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Friends.RespondToFriendRequest;

public static class RespondToFriendRequest
{
    public sealed record Body(long RequestId, bool? Accept);

    public sealed record Command(long UserId, long RequestId, bool? Accept) : IRequest<FriendRequest>, IRateLimited<RateLimitPolicies.Friends>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.RequestId).GreaterThan(0);
            RuleFor(x => x.Accept).NotNull().WithMessage("is required");
        }
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, FriendRequest>
    {
        // Only the recipient sees the request here; for anyone else it does not exist.
        private const string FindSql = "SELECT from_user_id, status FROM friend_requests WHERE id = @RequestId AND to_user_id = @UserId FOR UPDATE";

        private const string RespondSql = "UPDATE friend_requests SET status = @Status, responded_at = @Now WHERE id = @RequestId";

        private sealed record Row(long FromUserId, string Status);

        public async Task<FriendRequest> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FindSql, command, transaction,
                          cancellationToken: cancellationToken))
                      ?? throw new NotFoundException($"friend request {command.RequestId} not found");
            // Under the request's lock, which a block takes first too: an accept racing a block
            // either commits first (and the block ends the friendship) or meets the block here.
            if (await connection.IsBlockedEitherWayAsync(command.UserId, row.FromUserId, transaction, cancellationToken))
                throw new ForbiddenException($"friend requests between you and user {row.FromUserId} are blocked");
            if (row.Status != "pending")
                throw new ConflictException($"friend request {command.RequestId} is no longer pending (it is {row.Status})");
            await connection.ExecuteAsync(new CommandDefinition(RespondSql,
                new { command.RequestId, Status = command.Accept!.Value ? "accepted" : "rejected", Now = time.UtcNowMs() },
                transaction, cancellationToken: cancellationToken));
            await connection.OpenDirectConversationAsync(command.RequestId, transaction, cancellationToken);
            var request = await connection.GetRequestAsync(command.RequestId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);

            // The responder's other tabs need to drop the request too, so both users hear of it.
            await hub.Clients.Users(row.FromUserId, command.UserId).FriendRequestResponded(request);
            return request;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/friends/response", (Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Command(context.User.UserId(), body.RequestId, body.Accept), ct))
                .WithName(nameof(RespondToFriendRequest))
                .WithTags("Friends")
                .WithSummary("Accept or reject a friend request sent to me")
                .WithDescription("accept is required. 404 unless you are the recipient; 403 while either of you has blocked the " +
                                 "other; 409 when the request is no longer pending. FriendRequestResponded goes to the sender and " +
                                 "to the responder's own connections.")
                .RequireAuthorization()
                .Produces<FriendRequest>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
