using Dapper;
using FluentValidation;
using Messenger.Features.Conversations;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;
using FileInfo = Messenger.Features.Files.FileInfo;
using FilesAccess = Messenger.Features.Files.FilesAccess;

namespace Messenger.Features.Messages;

public sealed record Message(
    long Id, long? RoomId, long SenderId, long? RecipientId, string Body, IReadOnlyList<FileInfo> Attachments,
    string? ClientMessageId, DateTime CreatedAt, DateTime? EditedAt, DateTime? DeletedAt, long Version);

/// <summary>A page of history; <c>Version</c> is the conversation's version when the page was read (0 before its first message).</summary>
public sealed record MessagePage(IReadOnlyList<Message> Items, bool HasMore, long Version);

/// <summary>The SQL the message slices read with, and the few helpers they share.</summary>
public static class MessagesAccess
{
    public const int MaxBodyLength = 4000;
    public const int MaxAttachments = 10;

    public const string MessageColumns =
        "m.id, m.room_id, m.sender_id, m.recipient_id, m.body, m.client_message_id, m.created_at, m.edited_at, m.deleted_at, m.version";

    private const string MessageSql = $"SELECT {MessageColumns} FROM messages m WHERE m.id = @MessageId";

    /// <summary>The attachments of message @MessageId as FileInfo rows.</summary>
    public const string AttachmentsOfSql = $"""
        SELECT {FilesAccess.InfoColumns}
        FROM message_attachments ma JOIN files f ON f.id = ma.file_id
        WHERE ma.message_id = @MessageId
        ORDER BY f.id
        """;

    private const string AttachmentsSql = $"""
        SELECT ma.message_id, {FilesAccess.InfoColumns}
        FROM message_attachments ma JOIN files f ON f.id = ma.file_id
        WHERE ma.message_id IN @MessageIds
        ORDER BY f.id
        """;

    // The version is read before the page, so a change committing in between shows in the page
    // with a version above the page's, never hides below it.
    private const string VersionSql = "SELECT version FROM conversations WHERE id = @ConversationId;";

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

    // Every change is a message in its latest state carrying its latest version, so the changes
    // since V are one range read of ux_messages_version, however long ago V was.
    public const string SinceSql = $"""
        SELECT {MessageColumns} FROM messages m FORCE INDEX (ux_messages_version)
        WHERE m.conversation_id = @ConversationId AND m.version > @Since
        ORDER BY m.version ASC LIMIT @Take
        """;

    private const string ConversationKeySql = "SELECT room_id, sender_id, recipient_id FROM messages WHERE id = @MessageId";

    public sealed record MessageRow(
        long Id, long? RoomId, long SenderId, long? RecipientId, string Body, string? ClientMessageId,
        DateTime CreatedAt, DateTime? EditedAt, DateTime? DeletedAt, long Version);

    private sealed record AttachmentRow(
        long MessageId, long Id, long OwnerId, string FileName, string ContentType, long Size, DateTime CreatedAt, DateTime UpdatedAt, string Url);

    public static async Task<Message> GetMessageAsync(this MySqlConnection connection, long messageId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null)
    {
        var row = await connection.QuerySingleAsync<MessageRow>(new CommandDefinition(MessageSql, new { MessageId = messageId }, transaction,
            cancellationToken: cancellationToken));
        return (await connection.WithAttachmentsAsync([row], cancellationToken, transaction)).Single();
    }

    /// <summary>Which conversation a message belongs to (which never changes), so a change of it can take its turn; 404 when there is no such message.</summary>
    public static async Task<ConversationKey> ConversationKeyOfAsync(this MySqlDataSource db, long messageId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long? RoomId, long SenderId, long? RecipientId)?>(new CommandDefinition(ConversationKeySql,
            new { MessageId = messageId }, cancellationToken: cancellationToken));
        return row is { } m ? ConversationKey.Of(m.RoomId, m.SenderId, m.RecipientId) : throw new NotFoundException($"message {messageId} not found");
    }

    /// <summary>Messages with their attachments, in the order given; one query for all attachments.</summary>
    public static async Task<IReadOnlyList<Message>> WithAttachmentsAsync(this MySqlConnection connection, IReadOnlyList<MessageRow> rows,
        CancellationToken cancellationToken, MySqlTransaction? transaction = null)
    {
        if (rows.Count == 0)
            return [];
        var attachments = (await connection.QueryAsync<AttachmentRow>(new CommandDefinition(AttachmentsSql,
            new { MessageIds = rows.Select(r => r.Id) }, transaction, cancellationToken: cancellationToken))).ToLookup(a => a.MessageId);
        return rows.Select(r => r.ToMessage(attachments[r.Id].Select(a => a.ToFileInfo()).ToList())).ToList();
    }

    public static Message ToMessage(this MessageRow r, IReadOnlyList<FileInfo> attachments) =>
        new(r.Id, r.RoomId, r.SenderId, r.RecipientId, r.Body, attachments, r.ClientMessageId, r.CreatedAt, r.EditedAt, r.DeletedAt, r.Version);

    private static FileInfo ToFileInfo(this AttachmentRow a) => new(a.Id, a.OwnerId, a.FileName, a.ContentType, a.Size, a.CreatedAt, a.UpdatedAt, a.Url);

    /// <summary>
    /// One page, items ascending: since=V the changes after version V in version order; after=X
    /// the next messages by id; else the ones before X (or the latest). One extra row is read to
    /// tell whether more lie beyond in that direction.
    /// </summary>
    public static async Task<MessagePage> PageAsync(this MySqlConnection connection, long? conversationId, IHistoryQuery query,
        CancellationToken cancellationToken)
    {
        if (conversationId is null)
            return new MessagePage([], HasMore: false, Version: 0);
        var (sql, descending) = (query.Since, query.After) switch
        {
            ({ }, _) => (SinceSql, false),
            (_, { }) => (NewerSql, false),
            _ => (OlderSql, true),
        };
        var parameters = new { ConversationId = conversationId, Before = query.Before ?? long.MaxValue, query.After, query.Since, Take = query.Limit + 1 };
        List<MessageRow> rows;
        long version;
        await using (var grid = await connection.QueryMultipleAsync(new CommandDefinition(VersionSql + sql, parameters, cancellationToken: cancellationToken)))
        {
            version = await grid.ReadSingleAsync<long>();
            rows = (await grid.ReadAsync<MessageRow>()).AsList();
        }
        var hasMore = rows.Count > query.Limit;
        var page = rows.Take(query.Limit);
        if (descending)
            page = page.Reverse();
        return new MessagePage(await connection.WithAttachmentsAsync(page.ToList(), cancellationToken), hasMore, version);
    }

    /// <summary>Every connection of every participant of the message's conversation, the sender's own included.</summary>
    public static IChatClient Audience(this IHubContext<ChatHub, IChatClient> hub, RoomGroups rooms, long? roomId, long senderId, long? recipientId) =>
        roomId is { } room ? rooms.Room(room) : hub.Clients.Users(senderId, recipientId!.Value);
}

/// <summary>The paging both history slices take.</summary>
public interface IHistoryQuery
{
    long? Before { get; }
    long? After { get; }
    long? Since { get; }
    int Limit { get; }
}

public sealed class HistoryQueryValidator : AbstractValidator<IHistoryQuery>
{
    private const string OneOf = "give at most one of before, after and since";

    public HistoryQueryValidator()
    {
        RuleFor(x => x.Limit).InclusiveBetween(1, 100);
        RuleFor(x => x.Before).GreaterThan(0);
        RuleFor(x => x.After).GreaterThan(0);
        RuleFor(x => x.Since).GreaterThanOrEqualTo(0);
        RuleFor(x => x.After).Null().When(x => x.Before is not null).WithMessage(OneOf);
        RuleFor(x => x.Since).Null().When(x => x.Before is not null || x.After is not null).WithMessage(OneOf);
    }
}
