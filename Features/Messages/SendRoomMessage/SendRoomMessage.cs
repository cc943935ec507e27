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
    /// Two round trips for a plain message: the checks under lock, then the write with its commit,
    /// inside the conversation's turn (see ConversationOrder). The connection is back in the pool
    /// before the event goes out.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, TimeProvider time, SendRateLimit rateLimit, ConversationOrder order, RoomGroups rooms)
        : IRequestHandler<Command, Message>
    {
        // One locking read: the conversation row for update, so each change takes the next version
        // in commit order, whichever instance makes it; and the sender's
        // participant row with it, so a leave that committed first stops the message and one that
        // comes later waits for this commit; and the replied-to message, if any, unlocked.
        private const string LockSql = $"""
            {InlineTransaction.Begin}
            SELECT c.id, c.version, c.message_count, p.user_id AS participant_id,
                   {SendMessageRules.ReplyToSlot}
            FROM conversations c LEFT JOIN room_participants p ON p.room_id = c.room_id AND p.user_id = @SenderId
            WHERE c.room_id = @RoomId
            FOR UPDATE;
            """;

        private static readonly SendMessageRules.LockStatements Lock = SendMessageRules.LockStatements.From(LockSql);

        private const string InsertSql = """
            INSERT INTO messages (conversation_id, room_id, sender_id, body, client_message_id, created_at, version, seq, reply_to_id)
            VALUES (@ConversationId, @RoomId, @SenderId, @Body, @ClientMessageId, @CreatedAt, @Version, @Seq, @ReplyToId);
            """;

        private sealed record Conversation(
            long Id, long Version, long MessageCount, long? ParticipantId, long? ReplyToSenderId, string? ReplyToBody, DateTime? ReplyToDeletedAt);

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
            var conversation = await connection.QuerySingleOrDefaultAsync<Conversation>(new CommandDefinition(Lock.For(command), command,
                cancellationToken: cancellationToken));
            if (conversation?.ParticipantId is null)
            {
                await transaction.RollbackAsync();
                await connection.GetVisibleRoomAsync(command.RoomId, command.SenderId, cancellationToken);
                throw new ForbiddenException($"you are not a participant of room {command.RoomId}");
            }

            var replyTo = command.ReplyTo(conversation.ReplyToSenderId, conversation.ReplyToBody, conversation.ReplyToDeletedAt);
            var draft = new Message(0, command.RoomId, command.SenderId, null, command.TrimmedBody(),
                await connection.LockAttachmentsAsync(command, cancellationToken), command.ClientMessageId, time.UtcNowMs(),
                EditedAt: null, DeletedAt: null, conversation.Version + 1, replyTo, Reactions: []);
            return await connection.WriteAsync(transaction, draft, InsertSql, new
            {
                ConversationId = conversation.Id, command.RoomId, command.SenderId, draft.Body, command.ClientMessageId, draft.CreatedAt,
                draft.Version, Seq = conversation.MessageCount + 1, FileIds = command.FileIds(), command.ReplyToId,
            }, cancellationToken);
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
