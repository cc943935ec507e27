using Carter;
using Dapper;
using MediatR;
using Messenger.Features.Messages;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Realtime;
using Messenger.Infrastructure.Storage;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Files.DeleteFile;

public static class DeleteFile
{
    public sealed record Command(long UserId, long FileId) : IRequest<Unit>;

    /// <summary>
    /// Deleting a file is a change of every message it was attached to: each takes its
    /// conversation's next version and MessageEdited goes out, inside the turns of those
    /// conversations (see ConversationOrder), like any other change of a message.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, OrphanObjects orphans, TimeProvider time, ConversationOrder order, RoomGroups rooms,
        IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        // Read without locks, to know which conversations' turns to take before anything is locked.
        private const string AttachedSql = """
            SELECT m.id, m.conversation_id, m.room_id, m.sender_id, m.recipient_id
            FROM message_attachments ma JOIN messages m ON m.id = ma.message_id
            WHERE ma.file_id = @FileId
            ORDER BY m.id
            """;

        // Message rows before their conversations' rows (as an edit or a delete locks them), and
        // both before the file's row (as a send locks its conversation before its files): one
        // order, so this never closes a deadlock with them.
        private const string LockMessagesSql = """
            SELECT id FROM messages WHERE id IN @MessageIds ORDER BY id FOR UPDATE;
            SELECT id, version FROM conversations WHERE id IN @ConversationIds ORDER BY id FOR UPDATE;
            """;

        // Under the file's lock no send can attach it any more; a locking read sees the latest commit.
        private const string AttachedNowSql = "SELECT message_id FROM message_attachments WHERE file_id = @FileId ORDER BY message_id LOCK IN SHARE MODE";

        // Cascades to message_attachments and clears an avatar that pointed here.
        private const string DeleteSql = "DELETE FROM files WHERE id = @FileId";

        private const string VersionSql = "UPDATE messages SET version = @Version WHERE id = @Id";

        private const string ConversationVersionSql = "UPDATE conversations SET version = @Version WHERE id = @Id";

        private const string ChangedSql =
            $"SELECT {MessagesAccess.MessageColumns} FROM messages m {MessagesAccess.ReplyJoin} WHERE m.id IN @MessageIds ORDER BY m.version";

        private sealed record Attached(long Id, long ConversationId, long? RoomId, long SenderId, long? RecipientId)
        {
            public ConversationKey Key => ConversationKey.Of(RoomId, SenderId, RecipientId);
        }

        private sealed record Conversation(long Id, long Version);

        // The row goes first; its object follows after commit, or later through the sweeper.
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            while (true)
            {
                IReadOnlyList<Attached> attached;
                await using (var connection = await db.OpenConnectionAsync(cancellationToken))
                {
                    await connection.EnsureOwnerAsync(command.UserId, command.FileId, cancellationToken);
                    attached = (await connection.QueryAsync<Attached>(new CommandDefinition(AttachedSql, command,
                        cancellationToken: cancellationToken))).AsList();
                }
                // Taken in one order (only this slice takes more than one turn), so two deletes cannot wait for each other.
                var turns = new List<IDisposable>();
                string? key;
                try
                {
                    foreach (var conversation in attached.Select(a => a.Key).Distinct().Order(KeyOrder.Instance))
                        turns.Add(await order.EnterAsync(conversation, cancellationToken));
                    var (objectKey, changed) = await StoreAsync(command, attached, cancellationToken);
                    key = objectKey;
                    foreach (var message in changed)
                        await hub.Audience(rooms, message.RoomId, message.SenderId, message.RecipientId).MessageEdited(message);
                }
                finally
                {
                    foreach (var turn in Enumerable.Reverse(turns))
                        turn.Dispose();
                }
                if (key is null)
                    continue;
                // The connection is back in the pool and the turns are given up first: a slow store
                // costs this request time, not everyone else their connections or conversations.
                await orphans.RemoveAsync(key);
                return Unit.Value;
            }
        }

        /// <summary>
        /// The deleted file's object key and the changed messages in version order; a null key when
        /// a send attached the file to another message meanwhile, and the caller starts again.
        /// </summary>
        private async Task<(string? Key, IReadOnlyList<Message> Changed)> StoreAsync(Command command, IReadOnlyList<Attached> attached,
            CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var messageIds = attached.Select(a => a.Id).ToList();
            var conversations = new List<Conversation>();
            if (attached.Count > 0)
            {
                await using var locked = await connection.QueryMultipleAsync(new CommandDefinition(LockMessagesSql,
                    new { MessageIds = messageIds, ConversationIds = attached.Select(a => a.ConversationId).Distinct() }, transaction,
                    cancellationToken: cancellationToken));
                await locked.ReadAsync<long>();
                conversations = (await locked.ReadAsync<Conversation>()).AsList();
            }
            var key = await connection.LockObjectKeyAsync(transaction, command.UserId, command.FileId, cancellationToken);
            var attachedNow = (await connection.QueryAsync<long>(new CommandDefinition(AttachedNowSql, command, transaction,
                cancellationToken: cancellationToken))).AsList();
            if (attachedNow.Except(messageIds).Any())
                return (null, []);

            await connection.ExecuteAsync(new CommandDefinition(DeleteSql, command, transaction, cancellationToken: cancellationToken));
            await OrphanObjects.RecordAsync(connection, transaction, key, time.UtcNowMs(), cancellationToken);
            // A message deleted meanwhile lost its attachments with its tombstone and is no change of this delete.
            var changedIds = attachedNow.ToHashSet();
            var versions = new List<object>();
            foreach (var conversation in conversations)
            {
                var version = conversation.Version;
                foreach (var message in attached.Where(a => a.ConversationId == conversation.Id && changedIds.Contains(a.Id)))
                    versions.Add(new { message.Id, Version = ++version });
                if (version != conversation.Version)
                    await connection.ExecuteAsync(new CommandDefinition(ConversationVersionSql, new { conversation.Id, Version = version }, transaction,
                        cancellationToken: cancellationToken));
            }
            IReadOnlyList<Message> changed = [];
            if (versions.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(VersionSql, versions, transaction, cancellationToken: cancellationToken));
                var rows = (await connection.QueryAsync<MessagesAccess.MessageRow>(new CommandDefinition(ChangedSql,
                    new { MessageIds = changedIds }, transaction, cancellationToken: cancellationToken))).AsList();
                changed = await connection.WithDetailsAsync(rows, cancellationToken, transaction);
            }
            await transaction.CommitAsync(cancellationToken);
            return (key, changed);
        }

        private sealed class KeyOrder : IComparer<ConversationKey>
        {
            public static readonly KeyOrder Instance = new();

            public int Compare(ConversationKey x, ConversationKey y) =>
                (x.RoomId, x.UserLow, x.UserHigh).CompareTo((y.RoomId, y.UserLow, y.UserHigh));
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/files/{id:long}", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(DeleteFile))
                .WithTags("Files")
                .WithSummary("Delete a file")
                .WithDescription("Owner only: 403 for a reader who is not the owner, 404 for anyone who cannot read the file. The " +
                                 "file disappears from the messages it was attached to (the messages stay): each of them takes its " +
                                 "conversation's next version (so since= returns it without the file) and MessageEdited goes to its " +
                                 "conversation, in version order with the conversation's other message events; editedAt does not " +
                                 "change. An avatar that was this file is cleared. The bytes are removed at once, or by the sweeper " +
                                 "if storage is down or does not answer within Storage:TimeoutSeconds; the answer is 204 either way.")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
