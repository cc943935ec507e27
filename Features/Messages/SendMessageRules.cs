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

/// <summary>
/// The steps both send slices take around their own SQL. A plain send is one round trip: one
/// batch that begins the transaction, moves the conversation row (its version and count) under
/// that row's lock with the sender's right to send checked in the same UPDATE's join, inserts
/// the message from the moved row, reads back what the database assigned, and commits.
/// </summary>
public static class SendMessageRules
{
    // Shared locks keep the files from being deleted or handed over before the message commits.
    // Taken first, in a round trip of their own, because the batch must know they are all the sender's.
    private const string LockFilesSql = $"""
        {InlineTransaction.Begin}
        SELECT {FilesAccess.InfoColumns} FROM files f WHERE f.id IN @FileIds AND f.owner_id = @SenderId ORDER BY f.id LOCK IN SHARE MODE;
        """;

    /// <summary>Where a send's batch adds the attachments: right after the message's INSERT, before its closing SELECT.</summary>
    public const string AttachSlot = "/* attachments */";

    /// <summary>Where a send's closing SELECT, over <c>conversations c</c>, names the replied-to message's columns.</summary>
    public const string ReplyToSlot = "/* reply-to columns */";

    // LAST_INSERT_ID() is the message's id only if the message's INSERT (the statement before) wrote
    // it; otherwise it is left over from an earlier use of the pooled connection, hence the guard.
    private const string AttachSql =
        "INSERT INTO message_attachments (message_id, file_id) SELECT LAST_INSERT_ID(), f.id FROM files f WHERE f.id IN @FileIds AND ROW_COUNT() > 0;";

    /// <summary>
    /// The replied-to message (@ReplyToId) in the closing SELECT: nulls unless it is a message of
    /// this conversation. That SELECT is the transaction's first plain read, so it sees every
    /// change committed before this send took the conversation's lock, and it locks nothing: the
    /// send never locks the target's row, which edits, deletes and reactions lock before the
    /// conversation row, the other way round.
    /// </summary>
    private const string ReplyToColumns = $"""
        (SELECT rt.sender_id FROM messages rt WHERE rt.conversation_id = c.id AND rt.id = @ReplyToId) AS reply_to_sender_id,
        (SELECT {MessagesAccess.ReplyBodyOf} FROM messages rt WHERE rt.conversation_id = c.id AND rt.id = @ReplyToId) AS reply_to_body,
        (SELECT rt.deleted_at FROM messages rt WHERE rt.conversation_id = c.id AND rt.id = @ReplyToId) AS reply_to_deleted_at
        """;

    // Typed NULLs, so the row maps as with ReplyToColumns (NULLIF(c.id, c.id) is a BIGINT; a cast to
    // SIGNED of a bare NULL comes back as an INT).
    private const string NoReplyToColumns =
        "NULLIF(c.id, c.id) AS reply_to_sender_id, CAST(NULL AS CHAR(200)) AS reply_to_body, CAST(NULL AS DATETIME(3)) AS reply_to_deleted_at";

    /// <summary>
    /// A send's batch in the four forms a send takes, made once from one text holding AttachSlot
    /// and ReplyToSlot (measured on MariaDB 10.11, the reply subqueries cost a plain send 30-55 µs
    /// of database CPU even with a null @ReplyToId). With files the transaction began with their
    /// lock. A reply's batch stops short of COMMIT: it commits only once the replied-to message
    /// turned out to be one of this conversation.
    /// </summary>
    public sealed class SendStatements(string sql)
    {
        private readonly string[] _forms = [Form(sql, false, false), Form(sql, false, true), Form(sql, true, false), Form(sql, true, true)];

        private static string Form(string sql, bool files, bool reply) =>
            (files ? "" : InlineTransaction.Begin + "\n") +
            sql.Replace(AttachSlot, files ? AttachSql : "").Replace(ReplyToSlot, reply ? ReplyToColumns : NoReplyToColumns) +
            (reply ? "" : "\nCOMMIT;");

        public string For(ISendMessageCommand command) => _forms[(command.AttachmentIds is { Count: > 0 } ? 2 : 0) + (command.ReplyToId is null ? 0 : 1)];
    }

    /// <summary>
    /// What the closing SELECT reads back. <c>Stored</c> is ROW_COUNT() of the statement before it:
    /// the message's INSERT, or the attachments' (at least one row whenever the message was
    /// written, since every file was checked); 0 when the UPDATE found no row to move.
    /// </summary>
    private sealed record Written(long Stored, long Id, long Version, long? ReplyToSenderId, string? ReplyToBody, DateTime? ReplyToDeletedAt);

    /// <summary>
    /// Runs the slice's batch for the draft. Returns the stored message, an earlier send of the
    /// same message (which is not announced again), or null when the sender may not send here
    /// (nothing was written; the slice tells 403 from 404).
    /// </summary>
    public static async Task<(Message Message, bool IsNew)?> WriteAsync(this MySqlConnection connection, InlineTransaction transaction,
        SendStatements statements, ISendMessageCommand command, Message draft, object parameters, CancellationToken cancellationToken)
    {
        Written? written;
        try
        {
            written = await connection.QuerySingleOrDefaultAsync<Written>(new CommandDefinition(statements.For(command), parameters,
                cancellationToken: cancellationToken));
        }
        catch (MySqlException e) when (e.IsDuplicateKey() && draft.ClientMessageId is not null)
        {
            await transaction.RollbackAsync();
            return (await connection.EarlierSendAsync(draft, command.ReplyToId, cancellationToken), false);
        }
        // No row: there is no such conversation (two users who were never friends).
        if (written is not { Stored: > 0 })
        {
            await transaction.RollbackAsync();
            return null;
        }
        var replyTo = command.ReplyToId switch
        {
            null => null,
            { } id when written.ReplyToSenderId is { } senderId => new ReplyTo(id, senderId, written.ReplyToBody ?? "", written.ReplyToDeletedAt),
            // A deleted one may be answered: the reply shows it deleted, as it would had the delete come a moment later.
            { } id => throw new BadRequestException($"message {id} is not a message of this conversation", "replyToId"),
        };
        if (replyTo is not null)
            await connection.ExecuteAsync(new CommandDefinition("COMMIT", cancellationToken: cancellationToken));
        transaction.Committed();
        ChatMetrics.MessagesStored.Inc();
        return (draft with { Id = written.Id, Version = written.Version, ReplyTo = replyTo }, true);
    }

    private const string SentSql = "SELECT id FROM messages WHERE sender_id = @SenderId AND client_message_id = @ClientMessageId";

    public static string TrimmedBody(this ISendMessageCommand command) => command.Body?.Trim() ?? "";

    public static IReadOnlyList<long> FileIds(this ISendMessageCommand command) => command.AttachmentIds?.Distinct().Order().ToList() ?? [];

    /// <summary>
    /// The attachments as FileInfo, locked for the transaction this begins when there are any
    /// (the batch then does not begin one); 400 unless every one is the sender's own.
    /// </summary>
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
    private static async Task<Message> EarlierSendAsync(this MySqlConnection connection, Message draft, long? replyToId,
        CancellationToken cancellationToken)
    {
        var id = await connection.QuerySingleAsync<long>(new CommandDefinition(SentSql, new { draft.SenderId, draft.ClientMessageId },
            cancellationToken: cancellationToken));
        var earlier = await connection.GetMessageAsync(id, cancellationToken);
        var sameConversation = earlier.RoomId == draft.RoomId && earlier.RecipientId == draft.RecipientId;
        // Once edited or deleted the message no longer shows what was first sent; the conversation must still match.
        var sameContent = earlier.EditedAt is not null || earlier.DeletedAt is not null ||
                          earlier.Body == draft.Body && earlier.Attachments.Select(a => a.Id).SequenceEqual(draft.Attachments.Select(a => a.Id)) &&
                          earlier.ReplyTo?.Id == replyToId;
        return sameConversation && sameContent
            ? earlier
            : throw new ConflictException($"clientMessageId {draft.ClientMessageId} was already used for another message");
    }
}
