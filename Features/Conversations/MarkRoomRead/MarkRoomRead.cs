using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Conversations.MarkRoomRead;

public static class MarkRoomRead
{
    public sealed record Body(long? MessageId);

    public sealed record Command(long UserId, long RoomId, long? MessageId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.Reads>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.RoomId).GreaterThan(0);
            RuleFor(x => x.MessageId).NotNull().WithMessage("is required").GreaterThan(0);
        }
    }

    public sealed class Handler(MySqlDataSource db, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        private const string MessageSql = """
            SELECT m.conversation_id, m.seq,
                   (SELECT MAX(s.id) FROM messages s FORCE INDEX (ix_messages_sender)
                    WHERE s.conversation_id = m.conversation_id AND s.sender_id = @UserId) AS my_last_id
            FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.id = @MessageId AND c.room_id = @RoomId
            """;

        // The SELECT reads my participant row under a shared lock: a leave that committed first
        // leaves no marker behind, and one that commits later deletes this one.
        private const string MarkSql = $"""
            INSERT IGNORE INTO conversation_reads (user_id, conversation_id, message_id, seq)
            SELECT @UserId, @ConversationId, @MessageId, @Seq FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId;
            {ConversationsAccess.MoveMarkerForwardSql}
            """;

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            bool moved;
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            {
                (await connection.GetVisibleRoomAsync(command.RoomId, command.UserId, cancellationToken)).EnsureParticipant();
                var message = await connection.QuerySingleOrDefaultAsync<(long ConversationId, long Seq, long? MyLastId)?>(
                                  new CommandDefinition(MessageSql, command, cancellationToken: cancellationToken))
                              ?? throw new BadRequestException($"message {command.MessageId} is not a message of room {command.RoomId}", "messageId");
                // My marker is never before my own last message here (sending counts as reading): one of
                // mine at or after this message means the marker is already there.
                if (message.MyLastId >= command.MessageId)
                    return Unit.Value;
                moved = await connection.ExecuteAsync(new CommandDefinition(MarkSql, new
                {
                    command.UserId, command.RoomId, command.MessageId, message.ConversationId, message.Seq,
                }, cancellationToken: cancellationToken)) > 0;
            }
            if (moved)
                await hub.Clients.Users(command.UserId).ConversationRead(new ConversationReadEvent(command.RoomId, command.UserId,
                    command.MessageId!.Value));
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/rooms/{id:long}/read", async (long id, Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id, body.MessageId), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(MarkRoomRead))
                .WithTags("Conversations")
                .WithSummary("Move my read marker in a room forward to a message")
                .WithDescription("messageId is required. Forward only: a message at or before my marker answers 204 and changes " +
                                 "nothing. 400 naming messageId for an unknown message or one of another conversation; 404 for a " +
                                 "room you cannot see, 403 for one you can see but are not in; 429 past the Reads rate limit. When " +
                                 "the marker moves, ConversationRead {roomId, userId, messageId} goes to my connections.")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
