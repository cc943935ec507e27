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

namespace Messenger.Features.Rooms.RespondToInvite;

public static class RespondToInvite
{
    public sealed record Body(bool? Accept);

    public sealed record Command(long UserId, long InviteId, bool? Accept) : IRequest<Invite>, IRateLimited<RateLimitPolicies.Invites>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Accept).NotNull().WithMessage("is required");
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Invite>
    {
        // Only the invitee sees the invite here; for anyone else it does not exist.
        private const string FindSql = "SELECT room_id, inviter_id FROM room_invites WHERE id = @InviteId AND invitee_id = @UserId";

        private const string RespondSql = "UPDATE room_invites SET status = @Status, responded_at = @Now WHERE id = @InviteId AND live = 1";

        public async Task<Invite> Handle(Command command, CancellationToken cancellationToken)
        {
            var now = time.UtcNowMs();
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var (roomId, inviterId) = await connection.QuerySingleOrDefaultAsync<(long RoomId, long InviterId)?>(new CommandDefinition(FindSql,
                                          command, transaction, cancellationToken: cancellationToken))
                                      ?? throw new NotFoundException($"invite {command.InviteId} not found");
            await connection.LockRoomAsync(roomId, transaction, cancellationToken);
            var responded = await connection.ExecuteAsync(new CommandDefinition(RespondSql,
                new { command.InviteId, Status = command.Accept!.Value ? "accepted" : "rejected", Now = now }, transaction,
                cancellationToken: cancellationToken));
            if (responded == 0)
                throw new ConflictException($"invite {command.InviteId} is no longer pending");
            // After the invite row is taken, the order a block locks in: see BlockUser.
            if (await connection.IsBlockedEitherWayAsync(command.UserId, inviterId, transaction, cancellationToken))
                throw new ForbiddenException($"invites between you and user {inviterId} are blocked");
            UserSummary? joined = null;
            if (command.Accept.Value)
            {
                await connection.AddParticipantAsync(roomId, command.UserId, now, transaction, cancellationToken);
                joined = await connection.GetUserSummaryAsync(command.UserId, cancellationToken, transaction);
            }
            var invite = await connection.GetInviteAsync(command.InviteId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);

            await hub.Clients.Users(invite.Inviter.Id, command.UserId).RoomInviteResponded(invite);
            if (joined is not null)
            {
                await rooms.SyncUserAsync(roomId, command.UserId, () => connection.IsParticipantAsync(roomId, command.UserId, CancellationToken.None));
                await rooms.Room(roomId).ParticipantJoined(new ParticipantJoinedEvent(roomId, joined));
            }
            return invite;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/invites/{id:long}", (long id, Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Command(context.User.UserId(), id, body.Accept), ct))
                .WithName(nameof(RespondToInvite))
                .WithTags("Rooms")
                .WithSummary("Accept or reject a room invite sent to me")
                .WithDescription("accept is required. 404 unless you are the invitee; 409 when no longer pending (a block rejects pending invites " +
                                 "between the two); 403 while either of you has blocked the other. " +
                                 "RoomInviteResponded goes to the inviter (and your own connections); on accept you join the room " +
                                 "and ParticipantJoined goes to it; your read marker starts at the room's latest message, so its earlier " +
                                 "history is not unread.")
                .RequireAuthorization()
                .Produces<Invite>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
