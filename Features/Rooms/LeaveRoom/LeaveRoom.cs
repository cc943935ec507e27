using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using MySqlConnector;

namespace Messenger.Features.Rooms.LeaveRoom;

public static class LeaveRoom
{
    public sealed record Body(long RoomId);

    public sealed record Command(long UserId, long RoomId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.JoinLeave>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.RoomId).GreaterThan(0);
    }

    public sealed class Handler(MySqlDataSource db, RoomGroups rooms, IConnectionTracker connections, ITypingTracker typing)
        : IRequestHandler<Command, Unit>
    {
        // The read marker goes with the membership: a later join starts a new one at the latest message.
        // The conversation's id comes from a plain read first: a subquery here would take a shared lock
        // on the conversation row, which a send holds while it waits for this leave's participant row.
        private const string DeleteParticipantSql = """
            DELETE FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId;
            DELETE FROM conversation_reads WHERE user_id = @UserId AND conversation_id = @ConversationId;
            """;

        private const string ConversationSql = "SELECT id FROM conversations WHERE room_id = @RoomId";

        // The longest-standing member inherits the room; an empty room keeps its last owner.
        private const string HandOverSql = """
            UPDATE rooms SET owner_id = COALESCE(
              (SELECT user_id FROM room_participants WHERE room_id = @RoomId ORDER BY joined_at, user_id LIMIT 1), owner_id)
            WHERE id = @RoomId
            """;

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var membership = await connection.GetVisibleRoomAsync(command.RoomId, command.UserId, cancellationToken, transaction);
            if (!membership.IsParticipant)
                throw new NotFoundException($"you are not in room {command.RoomId}");
            var conversationId = await connection.QuerySingleAsync<long>(new CommandDefinition(ConversationSql, command, transaction,
                cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(DeleteParticipantSql, new { command.UserId, command.RoomId, ConversationId = conversationId },
                transaction, cancellationToken: cancellationToken));
            if (membership.OwnerId == command.UserId)
                await connection.ExecuteAsync(new CommandDefinition(HandOverSql, command, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);

            // Typing there ends with the membership.
            var wasTyping = false;
            foreach (var connectionId in await connections.ConnectionsOfAsync(command.UserId))
                wasTyping |= await typing.StopAsync(connectionId, new TypingTarget(command.RoomId, null));
            if (wasTyping)
                await (await rooms.RoomExceptAsync(command.RoomId, command.UserId)).TypingStopped(new TypingEvent(command.RoomId, command.UserId));
            // Told first, then removed: the leaver's own connections hear ParticipantLeft too.
            await rooms.Room(command.RoomId).ParticipantLeft(new ParticipantLeftEvent(command.RoomId, command.UserId));
            await rooms.SyncUserAsync(command.RoomId, command.UserId,
                () => connection.IsParticipantAsync(command.RoomId, command.UserId, CancellationToken.None));
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/rooms/{id:long}/leave", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(LeaveRoom))
                .WithTags("Rooms")
                .WithSummary("Leave a room (also the hub method LeaveRoom {roomId})")
                .WithDescription("404 when you are not in it. When the owner leaves, the longest-standing member becomes owner. " +
                                 "ParticipantLeft goes to the room, your own connections included; then they stop receiving its events. " +
                                 "The room leaves GET /conversations and your read marker there is dropped.")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
