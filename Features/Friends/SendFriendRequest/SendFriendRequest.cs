using Messenger.Infrastructure.RateLimits;
using System.Data;
using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Friends.SendFriendRequest;

public static class SendFriendRequest
{
    public sealed record Body(long ToUserId);

    public sealed record Command(long UserId, long ToUserId) : IRequest<FriendRequest>, IRateLimited<RateLimitPolicies.Friends>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.ToUserId).GreaterThan(0);
            RuleFor(x => x.ToUserId).NotEqual(x => x.UserId).WithMessage("cannot befriend yourself");
        }
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, FriendRequest>
    {
        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @ToUserId)";

        private const string InsertSql = """
            INSERT INTO friend_requests (from_user_id, to_user_id, status, created_at) VALUES (@UserId, @ToUserId, 'pending', @Now);
            SELECT LAST_INSERT_ID();
            """;

        private const string LiveRelationshipSql = $"""
            SELECT id, from_user_id, status FROM friend_requests WHERE {FriendsAccess.LivePair} FOR UPDATE
            """;

        private const string AcceptSql = "UPDATE friend_requests SET status = 'accepted', responded_at = @Now WHERE id = @Id";

        private sealed record Relationship(long Id, long FromUserId, string Status);

        public async Task<FriendRequest> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, command, cancellationToken: cancellationToken)))
                throw new NotFoundException($"user {command.ToUserId} not found");

            // Three requests racing for one pair can deadlock on the unique key; the loser starts over.
            FriendRequest request;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    request = await SendAsync(connection, command, cancellationToken);
                    break;
                }
                catch (MySqlException e) when (e.IsDeadlock() && attempt < 3)
                {
                }
            }

            if (request.Status == "pending")
                await hub.Clients.Users(command.ToUserId).FriendRequestReceived(request);
            else
                await hub.Clients.Users(command.UserId, command.ToUserId).FriendRequestResponded(request);
            return request;
        }

        /// <summary>
        /// Inserts a pending request; the unique live-pair key refuses a second live relationship,
        /// and then the existing one decides: the other user's pending request is accepted, anything
        /// else is a conflict. Two opposite requests raced at once so end as one friendship.
        /// </summary>
        private async Task<FriendRequest> SendAsync(MySqlConnection connection, Command command, CancellationToken cancellationToken)
        {
            var now = time.UtcNowMs();
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            long requestId;
            try
            {
                requestId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql,
                    new { command.UserId, command.ToUserId, Now = now }, transaction, cancellationToken: cancellationToken));
            }
            catch (MySqlException e) when (e.IsDuplicateKey())
            {
                var existing = await connection.QuerySingleAsync<Relationship>(new CommandDefinition(LiveRelationshipSql,
                    new { command.UserId, OtherId = command.ToUserId }, transaction, cancellationToken: cancellationToken));
                if (existing.Status == "accepted")
                    throw new ConflictException($"you are already friends with user {command.ToUserId}");
                if (existing.FromUserId == command.UserId)
                    throw new ConflictException($"a friend request to user {command.ToUserId} is already pending");
                await connection.ExecuteAsync(new CommandDefinition(AcceptSql, new { existing.Id, Now = now }, transaction,
                    cancellationToken: cancellationToken));
                await connection.OpenDirectConversationAsync(existing.Id, transaction, cancellationToken);
                requestId = existing.Id;
            }
            // Checked after the write: a block committing meanwhile either waited for this row and
            // cancels it, or this read sees it (see BlockUser).
            if (await connection.IsBlockedEitherWayAsync(command.UserId, command.ToUserId, transaction, cancellationToken))
                throw new ForbiddenException($"friend requests between you and user {command.ToUserId} are blocked");
            var request = await connection.GetRequestAsync(requestId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            return request;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/friends/request", async (Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    var request = await mediator.Send(new Command(context.User.UserId(), body.ToUserId), ct);
                    return request.Status == "pending" ? Results.Created($"/friends/requests/{request.Id}", request) : Results.Ok(request);
                })
                .WithName(nameof(SendFriendRequest))
                .WithTags("Friends")
                .WithSummary("Ask a user to be friends")
                .WithDescription("201 with a pending request (FriendRequestReceived to the recipient), or 200 with the accepted request " +
                                 "when the other user had already asked (FriendRequestResponded to both users). 400 for yourself, " +
                                 "403 while either of you has blocked the other, 404 for an unknown user, 409 when already friends " +
                                 "or a request is already pending this way.")
                .RequireAuthorization()
                .Produces<FriendRequest>(StatusCodes.Status201Created)
                .Produces<FriendRequest>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
