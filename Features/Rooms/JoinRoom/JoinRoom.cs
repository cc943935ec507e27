using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Rooms.JoinRoom;

public static class JoinRoom
{
    public sealed record Body(long RoomId);

    public sealed record Command(long UserId, long RoomId) : IRequest<Room>, IRateLimited<RateLimitPolicies.JoinLeave>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.RoomId).GreaterThan(0);
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Room>
    {
        private const string PendingInviteSql = "SELECT id FROM room_invites WHERE room_id = @RoomId AND invitee_id = @UserId AND live = 1";

        private const string AcceptInviteSql = "UPDATE room_invites SET status = 'accepted', responded_at = @Now WHERE id = @InviteId";

        public async Task<Room> Handle(Command command, CancellationToken cancellationToken)
        {
            var now = time.UtcNowMs();
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var membership = await connection.GetVisibleRoomAsync(command.RoomId, command.UserId, cancellationToken, transaction);
            if (membership.IsParticipant)
                return await connection.GetRoomAsync(command.RoomId, command.UserId, cancellationToken, transaction);
            // Private rooms are visible here only to the invited, so reaching this point is the right to join.
            await connection.AddParticipantAsync(command.RoomId, command.UserId, now, transaction, cancellationToken);
            Invite? accepted = null;
            if (membership.IsInvited)
            {
                var inviteId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(PendingInviteSql, command, transaction,
                    cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(AcceptInviteSql, new { InviteId = inviteId, Now = now }, transaction,
                    cancellationToken: cancellationToken));
                accepted = await connection.GetInviteAsync(inviteId, cancellationToken, transaction);
            }
            var room = await connection.GetRoomAsync(command.RoomId, command.UserId, cancellationToken, transaction);
            var user = await connection.GetUserSummaryAsync(command.UserId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);

            await rooms.SyncUserAsync(command.RoomId, command.UserId,
                () => connection.IsParticipantAsync(command.RoomId, command.UserId, CancellationToken.None));
            await rooms.Room(command.RoomId).ParticipantJoined(new ParticipantJoinedEvent(command.RoomId, user));
            if (accepted is not null)
                await hub.Clients.Users(accepted.Inviter.Id, command.UserId).RoomInviteResponded(accepted);
            return room;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/rooms/{id:long}/join", (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Command(context.User.UserId(), id), ct))
                .WithName(nameof(JoinRoom))
                .WithTags("Rooms")
                .WithSummary("Join a room (also the hub method JoinRoom {roomId})")
                .WithDescription("Public rooms: anyone. Private rooms: only with a pending invite, which joining accepts; otherwise 404. " +
                                 "Joining a room you are in answers 200 and changes nothing. ParticipantJoined goes to the room, your " +
                                 "own connections included, and every one of your connections starts receiving the room's events. Your read " +
                                 "marker starts at the room's latest message: what was sent before you joined is not unread.")
                .RequireAuthorization()
                .Produces<Room>()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
