using Dapper;
using FluentValidation;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Observability;
using Messenger.Infrastructure.Validation;
using MySqlConnector;
using FileInfo = Messenger.Features.Files.FileInfo;
using FilesAccess = Messenger.Features.Files.FilesAccess;

namespace Messenger.Features.Messages;

/// <summary>What the REST twins of both send slices take in the body; the target comes from the route.</summary>
public sealed record MessageContent(string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId, long? ReplyToId);

/// <summary>The shape SendDirectMessage and SendRoomMessage share, so one validator serves both.</summary>
public interface ISendMessageCommand
{
    long SenderId { get; }
    string? Body { get; }
    IReadOnlyList<long>? AttachmentIds { get; }
    string? ClientMessageId { get; }
    long? ReplyToId { get; }
}

public sealed class SendMessageValidator : AbstractValidator<ISendMessageCommand>
{
    public SendMessageValidator()
    {
        RuleFor(x => x.Body).Must(b => !string.IsNullOrWhiteSpace(b)).WithMessage("must not be empty")
            .When(x => x.AttachmentIds is not { Count: > 0 });
        RuleFor(x => TextRules.Trimmed(x.Body)).MaximumCodePoints(MessagesAccess.MaxBodyLength).OverridePropertyName("body");
        RuleFor(x => x.AttachmentIds).Must(ids => ids is null || ids.Count <= MessagesAccess.MaxAttachments)
            .WithMessage($"must hold at most {MessagesAccess.MaxAttachments} files");
        RuleForEach(x => x.AttachmentIds).GreaterThan(0);
        RuleFor(x => x.ClientMessageId).MaximumLength(64).Must(id => id is null || id.Trim().Length > 0).WithMessage("must not be blank");
        RuleFor(x => x.ReplyToId).GreaterThan(0);
    }
}

/// <summary>The steps both send slices take besides their own checks and INSERT.</summary>
public static class SendMessageRules
{
    // Shared locks keep the files from being deleted or handed over before the message commits.
    private const string LockFilesSql = $"SELECT {FilesAccess.InfoColumns} FROM files f WHERE f.id IN @FileIds AND f.owner_id = @SenderId ORDER BY f.id LOCK IN SHARE MODE";

    /// <summary>
    /// The replied-to message (@ReplyToId) for a send's locking read over <c>conversations c</c>:
    /// nulls unless it is a message of that conversation. Scalar subqueries rather than a join,
    /// because a locking read does not lock a subquery's rows: the send never locks the target's
    /// row, which edits, deletes and reactions lock before the conversation row, the other way
    /// round. Correlated with c.id, they run once c's lock is granted and see every change that
    /// committed before it (an uncorrelated one is read before the lock wait).
    /// </summary>
    private const string ReplyToColumns = $"""
        (SELECT rt.sender_id FROM messages rt WHERE rt.conversation_id = c.id AND rt.id = @ReplyToId) AS reply_to_sender_id,
        (SELECT {MessagesAccess.ReplyBodyOf} FROM messages rt WHERE rt.conversation_id = c.id AND rt.id = @ReplyToId) AS reply_to_body,
        (SELECT rt.deleted_at FROM messages rt WHERE rt.conversation_id = c.id AND rt.id = @ReplyToId) AS reply_to_deleted_at
        """;

    /// <summary>Where a send's locking read names the replied-to message's columns (see LockStatements).</summary>
    public const string ReplyToSlot = "/* reply-to columns */";

    // Typed NULLs, so the row maps as with ReplyToColumns (NULLIF(c.id, c.id) is a BIGINT; a cast to
    // SIGNED of a bare NULL comes back as an INT).
    private const string NoReplyToColumns =
        "NULLIF(c.id, c.id) AS reply_to_sender_id, CAST(NULL AS CHAR(200)) AS reply_to_body, CAST(NULL AS DATETIME(3)) AS reply_to_deleted_at";

    /// <summary>
    /// A send's locking read in two forms, made once from one text holding ReplyToSlot: with
    /// ReplyToColumns for a reply, with plain NULLs otherwise. Measured on MariaDB 10.11, the three
    /// subqueries cost a plain send 30-55 µs of database CPU (about a tenth) even with a null @ReplyToId.
    /// </summary>
    public sealed record LockStatements(string Plain, string Reply)
    {
        public static LockStatements From(string sql) =>
            new(sql.Replace(ReplyToSlot, NoReplyToColumns), sql.Replace(ReplyToSlot, ReplyToColumns));

        public string For(ISendMessageCommand command) => command.ReplyToId is null ? Plain : Reply;
    }

    /// <summary>
    /// The new message's replyTo from what ReplyToColumns read; 400 naming replyToId when it named
    /// no message of this conversation. A deleted one may be answered: the reply shows it deleted,
    /// as it would had the delete come a moment later.
    /// </summary>
    public static ReplyTo? ReplyTo(this ISendMessageCommand command, long? replyToSenderId, string? replyToBody, DateTime? replyToDeletedAt) =>
        command.ReplyToId switch
        {
            null => null,
            { } id when replyToSenderId is { } senderId => new ReplyTo(id, senderId, replyToBody ?? "", replyToDeletedAt),
            { } id => throw new BadRequestException($"message {id} is not a message of this conversation", "replyToId"),
        };

    /// <summary>Follows a message INSERT in the same batch: LAST_INSERT_ID() is that message's id.</summary>
    public const string AttachSql = "INSERT INTO message_attachments (message_id, file_id) SELECT LAST_INSERT_ID(), f.id FROM files f WHERE f.id IN @FileIds;";

    /// <summary>
    /// Ends the send batch: the conversation takes the message's version, count and id, the
    /// sender's read marker moves to the message (so none of the sender's own messages is ever
    /// unread to them), then commit, then the new id. @Seq is the conversation's message_count + 1.
    /// </summary>
    public const string FinishSql = """
        UPDATE conversations SET version = @Version, message_count = @Seq, last_message_id = LAST_INSERT_ID() WHERE id = @ConversationId;
        INSERT INTO conversation_reads (user_id, conversation_id, message_id, seq) VALUES (@SenderId, @ConversationId, LAST_INSERT_ID(), @Seq)
        ON DUPLICATE KEY UPDATE message_id = LAST_INSERT_ID(), seq = @Seq;
        COMMIT;
        SELECT LAST_INSERT_ID();
        """;

    /// <summary>
    /// Runs the slice's INSERT with the attachments and the commit in one batch. Returns the stored
    /// message, or an earlier send of the same message (which is not announced again).
    /// </summary>
    public static async Task<(Message Message, bool IsNew)> WriteAsync(this MySqlConnection connection, InlineTransaction transaction,
        Message draft, string insertSql, object parameters, CancellationToken cancellationToken)
    {
        try
        {
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                insertSql + (draft.Attachments.Count > 0 ? AttachSql : "") + FinishSql, parameters, cancellationToken: cancellationToken));
            transaction.Committed();
            ChatMetrics.MessagesStored.Inc();
            return (draft with { Id = id }, true);
        }
        catch (MySqlException e) when (e.IsDuplicateKey() && draft.ClientMessageId is not null)
        {
            await transaction.RollbackAsync();
            return (await connection.EarlierSendAsync(draft, cancellationToken), false);
        }
    }

    private const string SentSql = "SELECT id FROM messages WHERE sender_id = @SenderId AND client_message_id = @ClientMessageId";

    public static string TrimmedBody(this ISendMessageCommand command) => command.Body?.Trim() ?? "";

    public static IReadOnlyList<long> FileIds(this ISendMessageCommand command) => command.AttachmentIds?.Distinct().Order().ToList() ?? [];

    /// <summary>The attachments as FileInfo, locked for the transaction; 400 unless every one is the sender's own.</summary>
    public static async Task<IReadOnlyList<FileInfo>> LockAttachmentsAsync(this MySqlConnection connection, ISendMessageCommand command,
        CancellationToken cancellationToken)
    {
        var fileIds = command.FileIds();
        if (fileIds.Count == 0)
            return [];
        var files = (await connection.QueryAsync<FileInfo>(new CommandDefinition(LockFilesSql, new { FileIds = fileIds, command.SenderId },
            cancellationToken: cancellationToken))).AsList();
        return files.Count == fileIds.Count ? files : throw new BadRequestException("must be files you own", "attachmentIds");
    }

    /// <summary>
    /// The unique (sender, clientMessageId) key refused the INSERT: the message was sent before,
    /// perhaps from another connection at the same moment. A retry of that send gets the first
    /// message back and nothing is stored or announced twice; the same id for a different
    /// message (another conversation, another body, files or replied-to message) is a conflict.
    /// </summary>
    private static async Task<Message> EarlierSendAsync(this MySqlConnection connection, Message draft, CancellationToken cancellationToken)
    {
        var id = await connection.QuerySingleAsync<long>(new CommandDefinition(SentSql, new { draft.SenderId, draft.ClientMessageId },
            cancellationToken: cancellationToken));
        var earlier = await connection.GetMessageAsync(id, cancellationToken);
        var sameConversation = earlier.RoomId == draft.RoomId && earlier.RecipientId == draft.RecipientId;
        // Once edited or deleted the message no longer shows what was first sent; the conversation must still match.
        var sameContent = earlier.EditedAt is not null || earlier.DeletedAt is not null ||
                          earlier.Body == draft.Body && earlier.Attachments.Select(a => a.Id).SequenceEqual(draft.Attachments.Select(a => a.Id)) &&
                          earlier.ReplyTo?.Id == draft.ReplyTo?.Id;
        return sameConversation && sameContent
            ? earlier
            : throw new ConflictException($"clientMessageId {draft.ClientMessageId} was already used for another message");
    }
}
