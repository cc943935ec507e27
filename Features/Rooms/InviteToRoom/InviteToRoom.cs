using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Rooms.InviteToRoom;

public static class InviteToRoom
{
    public sealed record Body(long UserId);

    public sealed record Command(long InviterId, long RoomId, long InviteeId) : IRequest<Invite>, IRateLimited<RateLimitPolicies.Invites>
    {
        long IRateLimited.UserId => InviterId;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.InviteeId).GreaterThan(0).OverridePropertyName("userId");
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Invite>
    {
        private const string InviteeStateSql = """
            SELECT EXISTS(SELECT 1 FROM room_participants WHERE room_id = @RoomId AND user_id = u.id) FROM users u WHERE u.id = @InviteeId
            """;

        private const string InsertInviteSql = """
            INSERT INTO room_invites (room_id, inviter_id, invitee_id, status, created_at) VALUES (@RoomId, @InviterId, @InviteeId, 'pending', @Now);
            SELECT LAST_INSERT_ID();
            """;

        public async Task<Invite> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            (await connection.GetVisibleRoomAsync(command.RoomId, command.InviterId, cancellationToken, transaction)).EnsureParticipant();
            var inviteeIsParticipant = await connection.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition(InviteeStateSql, command,
                                           transaction, cancellationToken: cancellationToken))
                                       ?? throw new NotFoundException($"user {command.InviteeId} not found");
            if (inviteeIsParticipant)
                throw new ConflictException($"user {command.InviteeId} is already in room {command.RoomId}", "userId");
            long inviteId;
            try
            {
                inviteId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertInviteSql,
                    new { command.RoomId, command.InviterId, command.InviteeId, Now = time.UtcNowMs() }, transaction,
                    cancellationToken: cancellationToken));
            }
            catch (MySqlException e) when (e.IsDuplicateKey())
            {
                throw new ConflictException($"user {command.InviteeId} is already invited to room {command.RoomId}", "userId");
            }
            // Checked after the insert: a block committing meanwhile either waited for this row and
            // rejects it, or this read sees it (see BlockUser).
            if (await connection.IsBlockedEitherWayAsync(command.InviterId, command.InviteeId, transaction, cancellationToken))
                throw new ForbiddenException($"invites between you and user {command.InviteeId} are blocked");
            var invite = await connection.GetInviteAsync(inviteId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);

            await hub.Clients.Users(command.InviteeId).RoomInviteReceived(invite);
            return invite;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/rooms/{id:long}/invite", async (long id, Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    var invite = await mediator.Send(new Command(context.User.UserId(), id, body.UserId), ct);
                    // No Location: an invite has no address of its own; it is listed at GET /invites.
                    return Results.Created((string?)null, invite);
                })
                .WithName(nameof(InviteToRoom))
                .WithTags("Rooms")
                .WithSummary("Invite a user to a room I am in")
                .WithDescription("403 when you can see the room but are not in it, or while either of you has blocked the other; " +
                                 "404 for a room you cannot see or an unknown user; 409 when the user is already in the room or already invited. RoomInviteReceived goes to the invitee.")
                .RequireAuthorization()
                .Produces<Invite>(StatusCodes.Status201Created)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
