using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using MySqlConnector;

namespace Messenger.Features.Messages.SendRoomMessage;

public static class SendRoomMessage
{
    /// <summary>The hub method's argument (the REST twin takes the target from the route).</summary>
    public sealed record HubArgs(long RoomId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId, long? ReplyToId);

    public sealed record Command(
        long SenderId, long RoomId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId, long? ReplyToId = null)
        : IRequest<Message>, ISendMessageCommand;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            Include(new SendMessageValidator());
            RuleFor(x => x.RoomId).GreaterThan(0);
        }
    }

    /// <summary>
    /// One round trip for a plain message, inside the conversation's turn (see ConversationOrder).
    /// The connection is back in the pool before the event goes out.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, TimeProvider time, SendRateLimit rateLimit, ConversationOrder order, RoomGroups rooms)
        : IRequestHandler<Command, Message>
    {
        // The UPDATE locks the conversation row, so each change takes the next version in commit
        // order, whichever instance makes it; its join reads the sender's participant row under a
        // shared lock, so a leave that committed first leaves no row to update (nothing is
        // written), and one that comes later waits for this commit. The INSERT takes the
        // message's version and place from the row the UPDATE just moved.
        private static readonly SendMessageRules.SendStatements Write = new($"""
            UPDATE conversations c JOIN room_participants p ON p.room_id = c.room_id AND p.user_id = @SenderId
            SET c.version = c.version + 1, c.message_count = c.message_count + 1
            WHERE c.room_id = @RoomId;
            INSERT INTO messages (conversation_id, room_id, sender_id, body, client_message_id, created_at, version, seq, reply_to_id)
            SELECT c.id, c.room_id, @SenderId, @Body, @ClientMessageId, @CreatedAt, c.version, c.message_count, @ReplyToId
            FROM conversations c WHERE c.room_id = @RoomId AND ROW_COUNT() > 0;
            {SendMessageRules.AttachSlot}
            SELECT ROW_COUNT() AS stored, CAST(LAST_INSERT_ID() AS SIGNED) AS id, c.version, {SendMessageRules.ReplyToSlot}
            FROM conversations c WHERE c.room_id = @RoomId;
            """);

        public async Task<Message> Handle(Command command, CancellationToken cancellationToken)
        {
            await rateLimit.AcquireAsync(command.SenderId);
            using (await order.EnterAsync(ConversationKey.Room(command.RoomId), cancellationToken))
            {
                var (message, isNew) = await StoreAsync(command, cancellationToken);
                // The pooled connection is back by now: handing the event over never holds one.
                if (isNew)
                    await rooms.Room(command.RoomId).MessageReceived(message);
                return message;
            }
        }

        /// <summary>The stored message, or an earlier send of it.</summary>
        private async Task<(Message Message, bool IsNew)> StoreAsync(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = new InlineTransaction(connection);
            var draft = new Message(0, command.RoomId, command.SenderId, null, command.TrimmedBody(),
                await connection.LockAttachmentsAsync(command, cancellationToken), command.ClientMessageId, time.UtcNowMs(),
                EditedAt: null, DeletedAt: null, Version: 0, ReplyTo: null, Reactions: []);
            var written = await connection.WriteAsync(transaction, Write, command, draft, new
            {
                command.RoomId, command.SenderId, draft.Body, command.ClientMessageId, draft.CreatedAt, FileIds = command.FileIds(),
                command.ReplyToId,
            }, cancellationToken);
            if (written is { } stored)
                return stored;
            await connection.GetVisibleRoomAsync(command.RoomId, command.SenderId, cancellationToken);
            throw new ForbiddenException($"you are not a participant of room {command.RoomId}");
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/rooms/{roomId:long}/messages", async (long roomId, MessageContent body, IMediator mediator, HttpContext context,
                    CancellationToken ct) =>
                {
                    var message = await mediator.Send(new Command(context.User.UserId(), roomId, body.Body, body.AttachmentIds, body.ClientMessageId,
                        body.ReplyToId), ct);
                    // No Location: a message has no address of its own; it lives in its conversation's history.
                    return Results.Created((string?)null, message);
                })
                .WithName(nameof(SendRoomMessage))
                .WithTags("Messages")
                .WithSummary("Send a message to a room I am in (also the hub method SendRoomMessage)")
                .WithDescription("Same body rules, idempotency and replyToId (a message of this room) as direct messages. 403 for a " +
                                 "public room you have not joined, 404 for a private room you cannot see, 409 when the clientMessageId " +
                                 "was used for another message, 429 past the send rate. MessageReceived goes to every connection of " +
                                 "every participant, the sender's own included, in version order with the room's other message events. " +
                                 "Your read marker moves to the new message.")
                .RequireAuthorization()
                .Produces<Message>(StatusCodes.Status201Created)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
