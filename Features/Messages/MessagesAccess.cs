using Dapper;
using FluentValidation;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;
using FileInfo = Messenger.Features.Files.FileInfo;
using FilesAccess = Messenger.Features.Files.FilesAccess;

namespace Messenger.Features.Messages;

public sealed record Message(
    long Id, long? RoomId, long SenderId, long? RecipientId, string Body, IReadOnlyList<FileInfo> Attachments,
    string? ClientMessageId, DateTime CreatedAt, DateTime? EditedAt, DateTime? DeletedAt);

public sealed record MessagePage(IReadOnlyList<Message> Items, bool HasMore);

public sealed record MessageDeletedEvent(long MessageId, long? RoomId, long SenderId, long? RecipientId);

/// <summary>SQL and rules that the message slices (and the files read rule) share.</summary>
public static class MessagesAccess
{
    public const int MaxBodyLength = 4000;
    public const int MaxAttachments = 10;

    /// <summary>
    /// "The viewer (@ViewerId) may see message m": either user of a direct message; for a room
    /// message, its participants, and anyone when the room is public.
    /// </summary>
    public const string ViewerMaySee = """
        (m.room_id IS NULL AND @ViewerId IN (m.sender_id, m.recipient_id)
         OR m.room_id IS NOT NULL AND (
              EXISTS (SELECT 1 FROM rooms vr WHERE vr.id = m.room_id AND vr.is_private = 0)
              OR EXISTS (SELECT 1 FROM room_participants vp WHERE vp.room_id = m.room_id AND vp.user_id = @ViewerId)))
        """;

    public const string MessageColumns =
        "m.id, m.room_id, m.sender_id, m.recipient_id, m.body, m.client_message_id, m.created_at, m.edited_at, m.deleted_at";

    private const string MessageSql = $"SELECT {MessageColumns} FROM messages m WHERE m.id = @MessageId";

    private const string AttachmentsSql = $"""
        SELECT ma.message_id, {FilesAccess.InfoColumns}
        FROM message_attachments ma JOIN files f ON f.id = ma.file_id
        WHERE ma.message_id IN @MessageIds
        ORDER BY f.id
        """;

    // ON DUPLICATE KEY with LAST_INSERT_ID(id) hands back the existing row's id, so finding and
    // creating a conversation is one statement that two senders can race safely.
    private const string DirectConversationSql = """
        INSERT INTO conversations (user_low, user_high) VALUES (LEAST(@A, @B), GREATEST(@A, @B))
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id);
        SELECT LAST_INSERT_ID();
        """;

    private const string RoomConversationSql = """
        INSERT INTO conversations (room_id) VALUES (@RoomId) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id);
        SELECT LAST_INSERT_ID();
        """;

    private const string SentSql = "SELECT id FROM messages WHERE sender_id = @SenderId AND client_message_id = @ClientMessageId";

    // Shared locks keep the files from being deleted or handed over before the message commits.
    private const string OwnedFilesSql = "SELECT id FROM files WHERE id IN @FileIds AND owner_id = @SenderId LOCK IN SHARE MODE";

    private const string AttachSql = "INSERT INTO message_attachments (message_id, file_id) VALUES (@MessageId, @FileId)";

    // FORCE INDEX keeps the planner on the clustered range read at every depth: left to itself
    // it may walk ux_messages_id instead and examine a large part of the table.
    public const string OlderSql = $"""
        SELECT {MessageColumns} FROM messages m FORCE INDEX (PRIMARY)
        WHERE m.conversation_id = @ConversationId AND m.id < @Before
        ORDER BY m.id DESC LIMIT @Take
        """;

    public const string NewerSql = $"""
        SELECT {MessageColumns} FROM messages m FORCE INDEX (PRIMARY)
        WHERE m.conversation_id = @ConversationId AND m.id > @After
        ORDER BY m.id ASC LIMIT @Take
        """;

    private const string FindDirectConversationSql = "SELECT id FROM conversations WHERE user_low = LEAST(@A, @B) AND user_high = GREATEST(@A, @B)";

    private const string FindRoomConversationSql = "SELECT id FROM conversations WHERE room_id = @RoomId";

    public sealed record Stored(Message Message, bool IsNew);

    public sealed record MessageRow(
        long Id, long? RoomId, long SenderId, long? RecipientId, string Body, string? ClientMessageId,
        DateTime CreatedAt, DateTime? EditedAt, DateTime? DeletedAt);

    private sealed record AttachmentRow(
        long MessageId, long Id, long OwnerId, string FileName, string ContentType, long Size, DateTime CreatedAt, DateTime UpdatedAt, string Url);

    public static Task<long> DirectConversationIdAsync(this MySqlConnection connection, long a, long b, MySqlTransaction transaction,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(DirectConversationSql, new { A = a, B = b }, transaction,
            cancellationToken: cancellationToken));

    public static Task<long> RoomConversationIdAsync(this MySqlConnection connection, long roomId, MySqlTransaction transaction,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(RoomConversationSql, new { RoomId = roomId }, transaction,
            cancellationToken: cancellationToken));

    /// <summary>The sender's message with this clientMessageId, if one was already stored.</summary>
    public static async Task<Message?> FindSentAsync(this MySqlConnection connection, long senderId, string? clientMessageId,
        CancellationToken cancellationToken)
    {
        if (clientMessageId is null)
            return null;
        var id = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SentSql,
            new { SenderId = senderId, ClientMessageId = clientMessageId }, cancellationToken: cancellationToken));
        return id is null ? null : await connection.GetMessageAsync(id.Value, cancellationToken);
    }

    /// <summary>
    /// Stores a new message with its attachments in one transaction. When a twin with the same
    /// clientMessageId won the race (from another connection, say), the unique key refuses this
    /// one and the twin comes back instead: one row, and only the first sender announces it.
    /// </summary>
    public static async Task<Stored> StoreAsync(this MySqlConnection connection, ISendMessageCommand command, long senderId,
        Func<MySqlTransaction, Task<long>> insert, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (transaction)
        {
            long messageId;
            try
            {
                messageId = await insert(transaction);
            }
            catch (MySqlException e) when (e.IsDuplicateKey())
            {
                await transaction.RollbackAsync(cancellationToken);
                return new Stored((await connection.FindSentAsync(senderId, command.ClientMessageId, cancellationToken))!, IsNew: false);
            }
            var fileIds = command.AttachmentIds?.Distinct().ToList() ?? [];
            if (fileIds.Count > 0)
            {
                var owned = (await connection.QueryAsync<long>(new CommandDefinition(OwnedFilesSql, new { FileIds = fileIds, SenderId = senderId },
                    transaction, cancellationToken: cancellationToken))).Count();
                if (owned != fileIds.Count)
                    throw new BadRequestException("must be files you own", "attachmentIds");
                await connection.ExecuteAsync(new CommandDefinition(AttachSql, fileIds.Select(id => new { MessageId = messageId, FileId = id }),
                    transaction, cancellationToken: cancellationToken));
            }
            var message = await connection.GetMessageAsync(messageId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            return new Stored(message, IsNew: true);
        }
    }

    public static async Task<Message> GetMessageAsync(this MySqlConnection connection, long messageId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null)
    {
        var row = await connection.QuerySingleAsync<MessageRow>(new CommandDefinition(MessageSql, new { MessageId = messageId }, transaction,
            cancellationToken: cancellationToken));
        return (await connection.WithAttachmentsAsync([row], cancellationToken, transaction)).Single();
    }

    /// <summary>Messages with their attachments, in the order given; one query for all attachments.</summary>
    public static async Task<IReadOnlyList<Message>> WithAttachmentsAsync(this MySqlConnection connection, IReadOnlyList<MessageRow> rows,
        CancellationToken cancellationToken, MySqlTransaction? transaction = null)
    {
        if (rows.Count == 0)
            return [];
        var attachments = (await connection.QueryAsync<AttachmentRow>(new CommandDefinition(AttachmentsSql,
            new { MessageIds = rows.Select(r => r.Id) }, transaction, cancellationToken: cancellationToken))).ToLookup(a => a.MessageId);
        return rows.Select(r => new Message(r.Id, r.RoomId, r.SenderId, r.RecipientId, r.Body,
                attachments[r.Id].Select(a => new FileInfo(a.Id, a.OwnerId, a.FileName, a.ContentType, a.Size, a.CreatedAt, a.UpdatedAt, a.Url)).ToList(),
                r.ClientMessageId, r.CreatedAt, r.EditedAt, r.DeletedAt))
            .ToList();
    }

    public static Task<long?> FindDirectConversationIdAsync(this MySqlConnection connection, long a, long b, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindDirectConversationSql, new { A = a, B = b },
            cancellationToken: cancellationToken));

    public static Task<long?> FindRoomConversationIdAsync(this MySqlConnection connection, long roomId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindRoomConversationSql, new { RoomId = roomId },
            cancellationToken: cancellationToken));

    /// <summary>
    /// One keyset page, items ascending: after=X the next ones, else the ones before X (or the
    /// latest). One extra row is read to tell whether more lie beyond in that direction.
    /// </summary>
    public static async Task<MessagePage> PageAsync(this MySqlConnection connection, long? conversationId, IHistoryQuery query,
        CancellationToken cancellationToken)
    {
        if (conversationId is null)
            return new MessagePage([], HasMore: false);
        var parameters = new { ConversationId = conversationId, Before = query.Before ?? long.MaxValue, query.After, Take = query.Limit + 1 };
        var rows = (await connection.QueryAsync<MessageRow>(new CommandDefinition(query.After is null ? OlderSql : NewerSql, parameters,
            cancellationToken: cancellationToken))).AsList();
        var hasMore = rows.Count > query.Limit;
        var page = rows.Take(query.Limit);
        if (query.After is null)
            page = page.Reverse();
        return new MessagePage(await connection.WithAttachmentsAsync(page.ToList(), cancellationToken), hasMore);
    }

    /// <summary>Every connection of every participant of the message's conversation, the sender's own included.</summary>
    public static IChatClient Audience(this IHubContext<ChatHub, IChatClient> hub, RoomGroups rooms, long? roomId, long senderId, long? recipientId) =>
        roomId is { } room ? rooms.Room(room) : hub.Clients.Users(senderId, recipientId!.Value);
}

/// <summary>What the REST twins of both send slices take in the body; the target comes from the route.</summary>
public sealed record MessageContent(string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId);

/// <summary>The shape SendDirectMessage and SendRoomMessage share, so one validator serves both.</summary>
public interface ISendMessageCommand
{
    string? Body { get; }
    IReadOnlyList<long>? AttachmentIds { get; }
    string? ClientMessageId { get; }
}

public sealed class SendMessageValidator : AbstractValidator<ISendMessageCommand>
{
    public SendMessageValidator()
    {
        RuleFor(x => x.Body).Must(b => !string.IsNullOrWhiteSpace(b)).WithMessage("must not be empty")
            .When(x => x.AttachmentIds is not { Count: > 0 });
        RuleFor(x => x.Body).Must(b => b is null || b.Trim().Length <= MessagesAccess.MaxBodyLength)
            .WithMessage($"must be at most {MessagesAccess.MaxBodyLength} characters");
        RuleFor(x => x.AttachmentIds).Must(ids => ids is null || ids.Count <= MessagesAccess.MaxAttachments)
            .WithMessage($"must hold at most {MessagesAccess.MaxAttachments} files");
        RuleForEach(x => x.AttachmentIds).GreaterThan(0);
        RuleFor(x => x.ClientMessageId).MaximumLength(64).Must(id => id is null || id.Trim().Length > 0).WithMessage("must not be blank");
    }
}

/// <summary>The paging both history slices take.</summary>
public interface IHistoryQuery
{
    long? Before { get; }
    long? After { get; }
    int Limit { get; }
}

public sealed class HistoryQueryValidator : AbstractValidator<IHistoryQuery>
{
    public HistoryQueryValidator()
    {
        RuleFor(x => x.Limit).InclusiveBetween(1, 100);
        RuleFor(x => x.Before).GreaterThan(0);
        RuleFor(x => x.After).GreaterThan(0);
        RuleFor(x => x.After).Null().When(x => x.Before is not null).WithMessage("give at most one of before and after");
    }
}
