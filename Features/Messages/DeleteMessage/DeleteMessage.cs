using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Messages.DeleteMessage;

public static class DeleteMessage
{
    public sealed record Body(long MessageId);

    public sealed record Command(long UserId, long MessageId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.Deletes>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.MessageId).GreaterThan(0);
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, ConversationOrder order, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Unit>
    {
        // The message row and then its conversation's row are locked, the order every change of a
        // message takes; the read after them sees the latest committed state. The owner of a room
        // they have left (the last one out) is no owner any more: room_owner_id is null then.
        private const string LockSql = $"""
            {InlineTransaction.Begin}
            SELECT c.id, c.version FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = @MessageId FOR UPDATE;
            SELECT m.room_id, m.sender_id, m.recipient_id, m.deleted_at,
                   CASE WHEN EXISTS (SELECT 1 FROM room_participants p WHERE p.room_id = r.id AND p.user_id = r.owner_id)
                        THEN r.owner_id END AS room_owner_id
            FROM messages m LEFT JOIN rooms r ON r.id = m.room_id
            WHERE m.id = @MessageId AND {ConversationsAccess.ViewerMaySee};
            """;

        // A tombstone: the row keeps its id and times so history stays in order; text, files, the
        // reply's link, the reactions and the search postings go. Replies to it keep theirs and show it deleted.
        private const string TombstoneSql = $"""
            UPDATE messages SET body = '', deleted_at = @Now, version = @Version, reply_to_id = NULL, unindexed = NULL WHERE id = @MessageId;
            {MessageTerms.RemoveSql}
            DELETE FROM message_attachments WHERE message_id = @MessageId;
            DELETE FROM message_reactions WHERE message_id = @MessageId;
            UPDATE conversations SET version = @Version WHERE id = @ConversationId;
            COMMIT;
            """;

        private sealed record Conversation(long Id, long Version);

        private sealed record Row(long? RoomId, long SenderId, long? RecipientId, DateTime? DeletedAt, long? RoomOwnerId);

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            using (await order.EnterAsync(await db.ConversationKeyOfAsync(command.MessageId, cancellationToken), cancellationToken))
            {
                if (await StoreAsync(command, cancellationToken) is { } deleted)
                    await hub.Audience(rooms, deleted.RoomId, deleted.SenderId, deleted.RecipientId).MessageDeleted(deleted);
            }
            return Unit.Value;
        }

        /// <summary>The tombstone's event, or null when the message was already deleted.</summary>
        private async Task<MessageDeletedEvent?> StoreAsync(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = new InlineTransaction(connection);
            Conversation? conversation;
            Row? row;
            await using (var locked = await connection.QueryMultipleAsync(new CommandDefinition(LockSql,
                             new { command.MessageId, ViewerId = command.UserId }, cancellationToken: cancellationToken)))
            {
                conversation = await locked.ReadSingleOrDefaultAsync<Conversation>();
                row = await locked.ReadSingleOrDefaultAsync<Row>();
            }
            if (conversation is null || row is null)
                throw new NotFoundException($"message {command.MessageId} not found");
            if (row.SenderId != command.UserId && row.RoomOwnerId != command.UserId)
                throw new ForbiddenException("only the author, or the room's owner, may delete a message");
            if (row.DeletedAt is not null)
                return null;

            var deleted = new MessageDeletedEvent(command.MessageId, row.RoomId, row.SenderId, row.RecipientId, conversation.Version + 1);
            await connection.ExecuteAsync(new CommandDefinition(TombstoneSql,
                new { command.MessageId, Id = command.MessageId, Now = time.UtcNowMs(), deleted.Version, ConversationId = conversation.Id },
                cancellationToken: cancellationToken));
            transaction.Committed();
            return deleted;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/messages/{id:long}", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(DeleteMessage))
                .WithTags("Messages")
                .WithSummary("Delete a message (also the hub method DeleteMessage)")
                .WithDescription("The author may delete, and the room's owner any message of the room; 403 otherwise, 404 when you " +
                                 "cannot see it. The message stays as a tombstone (body \"\", no attachments, no reactions, replyTo " +
                                 "null, deletedAt set) with the conversation's next version; replies to it stay, their replyTo showing " +
                                 "body \"\" and deletedAt. Deleting it again is 204 and changes nothing. MessageDeleted (with that " +
                                 "version) goes to the whole conversation, in version order with its other message events.")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
