using System.Text;
using Dapper;
using FluentValidation;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Messenger.Infrastructure.Validation;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Messages;

/// <summary>The shape AddReaction and RemoveReaction share, so one validator and one lock serve both.</summary>
public interface IReactionCommand
{
    long UserId { get; }
    long MessageId { get; }
    string? Emoji { get; }
}

public sealed class ReactionValidator : AbstractValidator<IReactionCommand>
{
    public ReactionValidator()
    {
        RuleFor(x => x.MessageId).GreaterThan(0);
        RuleFor(x => x.Emoji).Cascade(CascadeMode.Stop).Must(e => !string.IsNullOrEmpty(e)).WithMessage("must not be empty")
            .CodePointLength(1, ReactionRules.MaxEmojiLength)
            .Must(e => e is null || e.EnumerateRunes().All(r => !Rune.IsWhiteSpace(r) && !Rune.IsControl(r)))
            .WithMessage("must not contain whitespace or control characters");
    }
}

/// <summary>
/// What adding and removing a reaction share. A reaction is a change of its message: under the
/// message row's lock and then its conversation row's (the order every change of a message takes)
/// it takes the conversation's next version, which the message carries, inside the
/// conversation's turn (see ConversationOrder). The message row's lock is also what keeps the
/// limit of distinct emoji under a race: two users adding the 20th and the 21st wait for each other.
/// </summary>
public static class ReactionRules
{
    public const int MaxEmojiLength = 32;
    public const int MaxDistinctEmoji = 20;

    // One locking read for the message, its conversation and the reactor's right to react, as a send
    // checks it: the participant row (a leave that committed first stops the reaction, a later one
    // waits) or the friendship. The reactions read after it sees the latest committed state: every
    // change of them holds the message row's lock, which this transaction now has.
    private const string LockSql = $"""
        {InlineTransaction.Begin}
        SELECT c.id AS conversation_id, c.version, m.room_id, m.sender_id, m.recipient_id, m.deleted_at,
               p.user_id AS participant_id, f.id AS friendship_id
        FROM messages m
        JOIN conversations c ON c.id = m.conversation_id
        LEFT JOIN room_participants p ON p.room_id = m.room_id AND p.user_id = @UserId
        LEFT JOIN friend_requests f ON f.user_low = c.user_low AND f.user_high = c.user_high AND f.live = 1 AND f.status = 'accepted'
        WHERE m.id = @MessageId
        FOR UPDATE;
        SELECT COUNT(DISTINCT emoji) AS emoji_count,
               MIN(CASE WHEN emoji = @Emoji THEN emoji_version END) AS emoji_version,
               COALESCE(MAX(emoji = @Emoji AND user_id = @UserId), 0) AS mine
        FROM message_reactions WHERE message_id = @MessageId;
        """;

    // After the slice's own change: the message and its conversation take the version, the message
    // is read back in its new state, then the commit.
    private const string FinishSql = $"""
        UPDATE messages SET version = @Version WHERE id = @MessageId;
        UPDATE conversations SET version = @Version WHERE id = @ConversationId;
        {MessagesAccess.MessageWithDetailsSql}
        COMMIT;
        """;

    private sealed record Row(
        long ConversationId, long Version, long? RoomId, long SenderId, long? RecipientId, DateTime? DeletedAt, long? ParticipantId,
        long? FriendshipId);

    // Properties rather than a constructor: the servers differ in the integer types they give these.
    private sealed class Held
    {
        public long EmojiCount { get; init; }
        public long? EmojiVersion { get; init; }
        public bool Mine { get; init; }
    }

    /// <summary>
    /// The locked message's conversation and version, and what the message holds: how many distinct
    /// emoji, the version the emoji was first used at (null when nobody uses it), and whether the
    /// reactor already added it.
    /// </summary>
    public sealed record Target(long ConversationId, long Version, long EmojiCount, long? EmojiVersion, bool Mine);

    /// <summary>
    /// The whole reaction, inside the conversation's turn: the lock and the checks, then
    /// <paramref name="changeOf"/> says what the locked message needs (the slice's INSERT or DELETE,
    /// given @MessageId, @Emoji, @UserId, @Version and @EmojiVersion), or null when nothing changes:
    /// then the answer is the message as it is, with no new version and no event. Three round trips
    /// for a change: which conversation, the lock with the checks, the change with its commit.
    /// </summary>
    public static async Task<Message> ReactAsync(this MySqlDataSource db, ConversationOrder order, RoomGroups rooms,
        IHubContext<ChatHub, IChatClient> hub, IReactionCommand command, bool adding, Func<Target, string?> changeOf,
        CancellationToken cancellationToken)
    {
        using (await order.EnterAsync(await db.ConversationKeyOfAsync(command.MessageId, cancellationToken), cancellationToken))
        {
            var (message, changed) = await StoreAsync(db, command, adding, changeOf, cancellationToken);
            // The pooled connection is back by now: handing the event over never holds one.
            if (changed is not null)
                await hub.Audience(rooms, message.RoomId, message.SenderId, message.RecipientId).ReactionChanged(changed);
            return message;
        }
    }

    private static async Task<(Message Message, ReactionChangedEvent? Changed)> StoreAsync(MySqlDataSource db, IReactionCommand command,
        bool adding, Func<Target, string?> changeOf, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = new InlineTransaction(connection);
        var target = await connection.LockTargetAsync(transaction, command, cancellationToken);
        return changeOf(target) is { } changeSql
            ? await connection.ChangeAsync(transaction, changeSql, target, command, adding, cancellationToken)
            : (await connection.GetMessageAsync(command.MessageId, cancellationToken), null);
    }

    /// <summary>
    /// Locks the message and its conversation for the transaction and checks that the reactor may
    /// react: a room they are in (403 for a room they can see but are not in, 404 for a private one
    /// they cannot see), their friend's direct conversation (403), never someone else's (404); a
    /// deleted message is 409.
    /// </summary>
    private static async Task<Target> LockTargetAsync(this MySqlConnection connection, InlineTransaction transaction, IReactionCommand command,
        CancellationToken cancellationToken)
    {
        Row? row;
        Held held;
        await using (var locked = await connection.QueryMultipleAsync(new CommandDefinition(LockSql, command, cancellationToken: cancellationToken)))
        {
            row = await locked.ReadSingleOrDefaultAsync<Row>();
            held = await locked.ReadSingleAsync<Held>();
        }
        if (row is null)
            throw new NotFoundException($"message {command.MessageId} not found");
        if (row.RoomId is { } roomId && row.ParticipantId is null)
        {
            await transaction.RollbackAsync();
            await connection.GetVisibleRoomAsync(roomId, command.UserId, cancellationToken);
            throw new ForbiddenException($"you are not a participant of room {roomId}");
        }
        if (row.RoomId is null)
        {
            if (command.UserId != row.SenderId && command.UserId != row.RecipientId)
                throw new NotFoundException($"message {command.MessageId} not found");
            if (row.FriendshipId is null)
                throw new ForbiddenException($"user {(command.UserId == row.SenderId ? row.RecipientId : row.SenderId)} is not your friend");
        }
        if (row.DeletedAt is not null)
            throw new ConflictException($"message {command.MessageId} was deleted");
        return new Target(row.ConversationId, row.Version, held.EmojiCount, held.EmojiVersion, held.Mine);
    }

    /// <summary>Runs the slice's change with the version and the commit in one batch. Returns the message as it now is and its event.</summary>
    private static async Task<(Message Message, ReactionChangedEvent Changed)> ChangeAsync(this MySqlConnection connection,
        InlineTransaction transaction, string changeSql, Target target, IReactionCommand command, bool added, CancellationToken cancellationToken)
    {
        var version = target.Version + 1;
        Message message;
        await using (var grid = await connection.QueryMultipleAsync(new CommandDefinition(changeSql + FinishSql, new
                     {
                         command.MessageId, MessageIds = new[] { command.MessageId }, command.Emoji, command.UserId, Version = version,
                         EmojiVersion = target.EmojiVersion ?? version, target.ConversationId,
                     }, cancellationToken: cancellationToken)))
            message = await grid.ReadMessageAsync();
        transaction.Committed();
        var count = message.Reactions.FirstOrDefault(r => r.Emoji == command.Emoji)?.Count ?? 0;
        return (message, new ReactionChangedEvent(message.Id, message.RoomId, message.SenderId, message.RecipientId, command.Emoji!,
            command.UserId, added, count, version));
    }
}
