using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Friends;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Users.BlockUser;

public static class BlockUser
{
    public sealed record Command(long UserId, long BlockedId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.Blocking>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.BlockedId).GreaterThan(0).OverridePropertyName("id");
            RuleFor(x => x.BlockedId).NotEqual(x => x.UserId).WithMessage("cannot block yourself").OverridePropertyName("id");
        }
    }

    /// <summary>
    /// One transaction ends the friendship, cancels the pending request and rejects the pending
    /// invites between the two, then stores the block. Locks go in the order every slice that a
    /// block refuses takes them (SendFriendRequest, RespondToFriendRequest, InviteToRoom,
    /// RespondToInvite): the relationship row first, the block check last. So either such a call
    /// commits first and the block then undoes what it made, or it waits for the block and is
    /// refused: an accept racing a block never leaves a friendship behind.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, TimeProvider time, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @BlockedId)";

        // The live request is found without a lock and then locked by primary key, as
        // RespondToFriendRequest locks it: entering through the live-pair key while an accept
        // holds the row would deadlock with the accept's update of that key.
        private const string LiveRequestIdSql = $"SELECT id FROM friend_requests WHERE {Pair}";

        private const string LockRequestSql = "SELECT id FROM friend_requests WHERE id = @Id FOR UPDATE";

        // Then through the key, holding that row already: this also locks the gap where a new
        // request of the pair would go, until the block commits.
        private const string LockLiveRequestSql = $"SELECT id, status FROM friend_requests WHERE {Pair} FOR UPDATE";

        private const string Pair = "user_low = LEAST(@UserId, @BlockedId) AND user_high = GREATEST(@UserId, @BlockedId) AND live = 1";

        private const string EndFriendshipSql = "DELETE FROM friend_requests WHERE id = @Id";

        private const string CancelRequestSql = "UPDATE friend_requests SET status = 'cancelled', responded_at = @Now WHERE id = @Id";

        private const string PendingInvitesWhere = """
            FROM room_invites FORCE INDEX (ix_room_invites_pair)
            WHERE (inviter_id = @UserId AND invitee_id = @BlockedId AND live = 1) OR (inviter_id = @BlockedId AND invitee_id = @UserId AND live = 1)
            """;

        // Invites likewise: found, locked by primary key (RespondToInvite's order), then the pair's
        // ranges locked so that no new invite between the two commits before the block does.
        private const string PendingInviteIdsSql = $"SELECT id {PendingInvitesWhere}";

        private const string LockInvitesSql = "SELECT id FROM room_invites WHERE id IN @Ids ORDER BY id FOR UPDATE";

        private const string LockPendingInvitesSql = $"SELECT id {PendingInvitesWhere} FOR UPDATE";

        private const string RejectInvitesSql = "UPDATE room_invites SET status = 'rejected', responded_at = @Now WHERE id IN @Ids";

        // Blocking again changes nothing; the first block's time stays.
        private const string InsertBlockSql = """
            INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (@UserId, @BlockedId, @Now)
            ON DUPLICATE KEY UPDATE blocker_id = blocker_id
            """;

        private sealed record LiveRequest(long Id, string Status);

        private sealed record Outcome(bool FriendshipEnded, long? CancelledRequestId, IReadOnlyList<long> RejectedInviteIds);

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, command, cancellationToken: cancellationToken)))
                throw new NotFoundException($"user {command.BlockedId} not found");

            // A request or invite created between finding and locking is taken through the key
            // read, which can still meet a concurrent answer the other way round; the loser starts over.
            Outcome outcome;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    outcome = await BlockAsync(connection, command, cancellationToken);
                    break;
                }
                catch (MySqlException e) when (e.IsDeadlock() && attempt < 3)
                {
                }
            }

            // Read after the commit, when they are final: inside, the transaction's snapshot (taken by
            // its first read) could miss a room made since, which a new invite points at.
            var cancelled = outcome.CancelledRequestId is { } requestId ? await connection.GetRequestAsync(requestId, cancellationToken) : null;
            var rejected = outcome.RejectedInviteIds.Count == 0
                ? []
                : await connection.QueryInvitesAsync("WHERE i.id IN @Ids ORDER BY i.id", new { Ids = outcome.RejectedInviteIds }, cancellationToken);

            if (outcome.FriendshipEnded)
            {
                await hub.Clients.Users(command.BlockedId).FriendRemoved(new FriendRemovedEvent(command.UserId));
                await hub.Clients.Users(command.UserId).FriendRemoved(new FriendRemovedEvent(command.BlockedId));
            }
            if (cancelled is not null)
                await hub.Clients.Users(cancelled.From.Id, cancelled.To.Id).FriendRequestResponded(cancelled);
            foreach (var invite in rejected)
                await hub.Clients.Users(invite.Inviter.Id, invite.Invitee.Id).RoomInviteResponded(invite);
            return Unit.Value;
        }

        private async Task<Outcome> BlockAsync(MySqlConnection connection, Command command, CancellationToken cancellationToken)
        {
            var now = time.UtcNowMs();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition(LiveRequestIdSql, command, transaction,
                    cancellationToken: cancellationToken)) is { } candidate)
                await connection.ExecuteScalarAsync(new CommandDefinition(LockRequestSql, new { Id = candidate }, transaction,
                    cancellationToken: cancellationToken));
            var live = await connection.QuerySingleOrDefaultAsync<LiveRequest>(new CommandDefinition(LockLiveRequestSql, command, transaction,
                cancellationToken: cancellationToken));
            if (live is { Status: "accepted" })
                await connection.ExecuteAsync(new CommandDefinition(EndFriendshipSql, new { live.Id }, transaction, cancellationToken: cancellationToken));
            else if (live is not null)
                await connection.ExecuteAsync(new CommandDefinition(CancelRequestSql, new { live.Id, Now = now }, transaction,
                    cancellationToken: cancellationToken));

            var candidates = (await connection.QueryAsync<long>(new CommandDefinition(PendingInviteIdsSql, command, transaction,
                cancellationToken: cancellationToken))).AsList();
            if (candidates.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(LockInvitesSql, new { Ids = candidates }, transaction,
                    cancellationToken: cancellationToken));
            var pending = (await connection.QueryAsync<long>(new CommandDefinition(LockPendingInvitesSql, command, transaction,
                cancellationToken: cancellationToken))).AsList();
            if (pending.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(RejectInvitesSql, new { Ids = pending, Now = now }, transaction,
                    cancellationToken: cancellationToken));

            await connection.ExecuteAsync(new CommandDefinition(InsertBlockSql, new { command.UserId, command.BlockedId, Now = now }, transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return new Outcome(live is { Status: "accepted" }, live is { Status: "pending" } ? live.Id : null, pending);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPut("/users/{id:long}/block", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(BlockUser))
                .WithTags("Users")
                .WithSummary("Block a user")
                .WithDescription("204, and 204 again when already blocked. In one step it ends your friendship (FriendRemoved to both), " +
                                 "cancels a pending friend request either way (FriendRequestResponded \"cancelled\" to both users) and " +
                                 "rejects pending room invites between you either way (RoomInviteResponded \"rejected\" to inviter and " +
                                 "invitee). While either of you has blocked the other, friend requests, answers to them and room invites " +
                                 "between you are 403, and neither gets the other's typing or presence events. Direct history stays " +
                                 "readable by both. To you their friendship reads \"blocked\"; to them yours reads \"none\", and you " +
                                 "disappear from their GET /users. Unblocking restores nothing. 400 for yourself, 404 for an unknown " +
                                 "user; limited by RateLimits:Policies:Blocking (with unblocking).")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
