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
    string? ClientMessageId, DateTime CreatedAt, DateTime? EditedAt, DateTime? DeletedAt, long Version,
    ReplyTo? ReplyTo, IReadOnlyList<Reaction> Reactions);

/// <summary>
/// The message a reply answers, as read with the reply: its body cut to 200 characters, "" once it
/// was deleted. A change of that message is not a change of the reply (the reply keeps its
/// version); clients update it from the target's own events.
/// </summary>
public sealed record ReplyTo(long Id, long SenderId, string Body, DateTime? DeletedAt);

/// <summary>One emoji on a message: the exact count of users who added it and the first 50 of them, earliest first.</summary>
public sealed record Reaction(string Emoji, long Count, IReadOnlyList<long> UserIds);

/// <summary>A page of history; <c>Version</c> is the conversation's version when the page was read (0 before its first message).</summary>
public sealed record MessagePage(IReadOnlyList<Message> Items, bool HasMore, long Version);

/// <summary>The SQL the message slices read with, and the few helpers they share.</summary>
public static class MessagesAccess
{
    public const int MaxBodyLength = 4000;
    public const int MaxAttachments = 10;

    /// <summary>A replied-to message's body as a reply shows it (over <c>messages rt</c>): its first 200 characters.</summary>
    public const string ReplyBodyOf = "LEFT(rt.body, 200)";

    /// <summary>A MessageRow's columns, over <c>messages m {ReplyJoin}</c>.</summary>
    public const string MessageColumns = $"""
        m.id, m.room_id, m.sender_id, m.recipient_id, m.body, m.client_message_id, m.created_at, m.edited_at, m.deleted_at, m.version,
        m.reply_to_id, rt.sender_id AS reply_to_sender_id, {ReplyBodyOf} AS reply_to_body, rt.deleted_at AS reply_to_deleted_at
        """;

    /// <summary>
    /// Follows <c>messages m</c> wherever MessageColumns are read: the replied-to message comes in
    /// the same query, one ux_messages_id lookup per reply. A tombstone's body is already "".
    /// </summary>
    public const string ReplyJoin = "LEFT JOIN messages rt ON rt.id = m.reply_to_id";

    private const string MessageSql = $"SELECT {MessageColumns} FROM messages m {ReplyJoin} WHERE m.id = @MessageId;";

    /// <summary>
    /// The attachments and then the reactions of messages @MessageIds, in one batch (read it with
    /// ReadDetailsAsync): each emoji's exact count, and its first 50 users by the version they
    /// reacted at, emoji in the order first used. The counting happens in the server, so a message
    /// with thousands of reactions still sends at most 50 rows per emoji.
    /// </summary>
    public const string DetailsSql = $"""
        SELECT ma.message_id, {FilesAccess.InfoColumns}
        FROM message_attachments ma JOIN files f ON f.id = ma.file_id
        WHERE ma.message_id IN @MessageIds
        ORDER BY f.id;
        SELECT x.message_id, x.emoji, x.user_id, x.count FROM (
          SELECT r.message_id, r.emoji, r.user_id, r.version, r.emoji_version,
                 ROW_NUMBER() OVER (PARTITION BY r.message_id, r.emoji ORDER BY r.version) AS n,
                 COUNT(*) OVER (PARTITION BY r.message_id, r.emoji) AS count
          FROM message_reactions r WHERE r.message_id IN @MessageIds
        ) x
        WHERE x.n <= 50
        ORDER BY x.message_id, x.emoji_version, x.version;
        """;

    // The version is read before the page, so a change committing in between shows in the page
    // with a version above the page's, never hides below it.
    private const string VersionSql = "SELECT version FROM conversations WHERE id = @ConversationId;";

    // FORCE INDEX keeps the planner on the clustered range read at every depth: left to itself
    // it may walk ux_messages_id instead and examine a large part of the table.
    public const string OlderSql = $"""
        SELECT {MessageColumns} FROM messages m FORCE INDEX (PRIMARY) {ReplyJoin}
        WHERE m.conversation_id = @ConversationId AND m.id < @Before
        ORDER BY m.id DESC LIMIT @Take
        """;

    public const string NewerSql = $"""
        SELECT {MessageColumns} FROM messages m FORCE INDEX (PRIMARY) {ReplyJoin}
        WHERE m.conversation_id = @ConversationId AND m.id > @After
        ORDER BY m.id ASC LIMIT @Take
        """;

    // Every change is a message in its latest state carrying its latest version, so the changes
    // since V are one range read of ux_messages_version, however long ago V was.
    public const string SinceSql = $"""
        SELECT {MessageColumns} FROM messages m FORCE INDEX (ux_messages_version) {ReplyJoin}
        WHERE m.conversation_id = @ConversationId AND m.version > @Since
        ORDER BY m.version ASC LIMIT @Take
        """;

    private const string ConversationKeySql = "SELECT room_id, sender_id, recipient_id FROM messages WHERE id = @MessageId";

    public sealed record MessageRow(
        long Id, long? RoomId, long SenderId, long? RecipientId, string Body, string? ClientMessageId,
        DateTime CreatedAt, DateTime? EditedAt, DateTime? DeletedAt, long Version,
        long? ReplyToId, long? ReplyToSenderId, string? ReplyToBody, DateTime? ReplyToDeletedAt);

    private sealed record AttachmentRow(
        long MessageId, long Id, long OwnerId, string FileName, string ContentType, long Size, DateTime CreatedAt, DateTime UpdatedAt, string Url);

    private sealed record ReactionRow(long MessageId, string Emoji, long UserId, long Count);

    /// <summary>What DetailsSql read: attachments and reactions by message id.</summary>
    public sealed class MessageDetails(ILookup<long, FileInfo> attachments, ILookup<long, Reaction> reactions)
    {
        public IReadOnlyList<FileInfo> AttachmentsOf(long messageId) => attachments[messageId].ToList();

        public IReadOnlyList<Reaction> ReactionsOf(long messageId) => reactions[messageId].ToList();
    }

    /// <summary>
    /// Message @MessageId with its reply, attachments and reactions, read by ReadMessageAsync; a
    /// batch may run it after its writes and before its COMMIT. Also give MessageIds = [@MessageId].
    /// </summary>
    public const string MessageWithDetailsSql = MessageSql + DetailsSql;

    public static async Task<Message> GetMessageAsync(this MySqlConnection connection, long messageId, CancellationToken cancellationToken)
    {
        await using var grid = await connection.QueryMultipleAsync(new CommandDefinition(MessageWithDetailsSql,
            new { MessageId = messageId, MessageIds = new[] { messageId } }, cancellationToken: cancellationToken));
        return await grid.ReadMessageAsync();
    }

    /// <summary>Reads what MessageWithDetailsSql selected.</summary>
    public static async Task<Message> ReadMessageAsync(this SqlMapper.GridReader grid)
    {
        var row = await grid.ReadSingleAsync<MessageRow>();
        return row.ToMessage(await grid.ReadDetailsAsync());
    }

    /// <summary>Which conversation a message belongs to (which never changes), so a change of it can take its turn; 404 when there is no such message.</summary>
    public static async Task<ConversationKey> ConversationKeyOfAsync(this MySqlDataSource db, long messageId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long? RoomId, long SenderId, long? RecipientId)?>(new CommandDefinition(ConversationKeySql,
            new { MessageId = messageId }, cancellationToken: cancellationToken));
        return row is { } m ? ConversationKey.Of(m.RoomId, m.SenderId, m.RecipientId) : throw new NotFoundException($"message {messageId} not found");
    }

    /// <summary>Messages with their attachments and reactions, in the order given; one round trip (DetailsSql) for all of them.</summary>
    public static async Task<IReadOnlyList<Message>> WithDetailsAsync(this MySqlConnection connection, IReadOnlyList<MessageRow> rows,
        CancellationToken cancellationToken, MySqlTransaction? transaction = null)
    {
        if (rows.Count == 0)
            return [];
        MessageDetails details;
        await using (var grid = await connection.QueryMultipleAsync(new CommandDefinition(DetailsSql, new { MessageIds = rows.Select(r => r.Id) },
                         transaction, cancellationToken: cancellationToken)))
            details = await grid.ReadDetailsAsync();
        return rows.Select(r => r.ToMessage(details)).ToList();
    }

    /// <summary>Reads DetailsSql's two result sets from a batch that ran it.</summary>
    public static async Task<MessageDetails> ReadDetailsAsync(this SqlMapper.GridReader grid)
    {
        var attachments = (await grid.ReadAsync<AttachmentRow>()).ToLookup(a => a.MessageId, a => a.ToFileInfo());
        var reactions = (await grid.ReadAsync<ReactionRow>())
            .GroupBy(r => (r.MessageId, r.Emoji))
            .Select(g => (g.Key.MessageId, Reaction: new Reaction(g.Key.Emoji, g.First().Count, g.Select(r => r.UserId).ToList())))
            .ToLookup(r => r.MessageId, r => r.Reaction);
        return new MessageDetails(attachments, reactions);
    }

    public static Message ToMessage(this MessageRow r, MessageDetails details) =>
        new(r.Id, r.RoomId, r.SenderId, r.RecipientId, r.Body, details.AttachmentsOf(r.Id), r.ClientMessageId, r.CreatedAt, r.EditedAt,
            r.DeletedAt, r.Version, r.ReplyToId is { } replyToId ? new ReplyTo(replyToId, r.ReplyToSenderId!.Value, r.ReplyToBody!, r.ReplyToDeletedAt) : null,
            details.ReactionsOf(r.Id));

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
        return new MessagePage(await connection.WithDetailsAsync(page.ToList(), cancellationToken), hasMore, version);
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
