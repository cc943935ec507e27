using System.Globalization;
using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Messages;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Conversations.ListConversations;

/// <summary>A room I am in, or a direct conversation with <c>User</c>, as the inbox shows it.</summary>
public sealed record Conversation(
    long? RoomId, UserSummary? User, string Name, long Version, Message? LastMessage, long UnreadCount,
    long? LastReadMessageId, long? OtherLastReadMessageId, DateTime LastActivityAt);

public static class ListConversations
{
    public sealed record Query(long UserId, string? Before, int Limit) : IRequest<IReadOnlyList<Conversation>>;

    /// <summary>
    /// Where a page ends, taken from its last item: <c>lastActivityAt|room:roomId</c> or
    /// <c>lastActivityAt|user:userId</c>. Ties on the time go rooms first, then by id descending.
    /// </summary>
    public sealed record Cursor(DateTime At, bool IsRoom, long Key)
    {
        public static Cursor? Parse(string text)
        {
            var parts = text.Split('|');
            if (parts.Length != 2 || !DateTime.TryParse(parts[0], CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
                return null;
            var key = parts[1].Split(':');
            if (key.Length != 2 || key[0] is not ("room" or "user") || !long.TryParse(key[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ||
                id <= 0)
                return null;
            return new Cursor(at, key[0] == "room", id);
        }
    }

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Limit).InclusiveBetween(1, 100);
            RuleFor(x => x.Before).Must(b => b is null || Cursor.Parse(b) is not null)
                .WithMessage("must be lastActivityAt|room:roomId or lastActivityAt|user:userId of a page's last item");
        }
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, IReadOnlyList<Conversation>>
    {
        // The innermost query orders every conversation of mine (the rooms I am in, the direct ones
        // with a message) by its latest message's time, one dive into the clustered key each for
        // that message, and keeps the page; only the page then pays for names, markers, the last
        // message and the count of deleted messages after my marker (ix_messages_deleted).
        // A read marker is the later of the stored one and the user's own last message there
        // (ix_messages_sender, forced: the optimizer would rather enter by the sender alone, through
        // every message they ever sent): sending never writes the marker, yet none of my own
        // messages is ever after mine, so unreadCount needs no "not mine" term.
        public const string PageSql = $"""
            SELECT x.conversation_id, x.room_id, COALESCE(r.name, u.display_name) AS name, x.version,
                   CAST(x.message_count - x.my_seq - (
                     SELECT COUNT(*) FROM messages d
                     WHERE d.conversation_id = x.conversation_id AND d.is_deleted = 1 AND d.seq > x.my_seq) AS SIGNED) AS unread_count,
                   x.my_message_id AS last_read_message_id, x.other_message_id AS other_last_read_message_id, x.last_activity_at,
                   {UsersAccess.SummaryColumns},
                   {MessagesAccess.MessageColumns}
            FROM (
              SELECT k.*,
                     NULLIF(GREATEST(COALESCE(k.stored_id, 0), COALESCE(k.my_last_id, 0)), 0) AS my_message_id,
                     CASE WHEN k.my_last_id > COALESCE(k.stored_id, 0)
                          THEN (SELECT ml.seq FROM messages ml WHERE ml.conversation_id = k.conversation_id AND ml.id = k.my_last_id)
                          ELSE COALESCE(k.stored_seq, 0) END AS my_seq,
                     NULLIF(GREATEST(COALESCE(k.other_stored_id, 0), COALESCE(k.other_last_id, 0)), 0) AS other_message_id
              FROM (
                SELECT pg.*, me.message_id AS stored_id, me.seq AS stored_seq, o.message_id AS other_stored_id,
                       (SELECT MAX(s.id) FROM messages s FORCE INDEX (ix_messages_sender)
                        WHERE s.conversation_id = pg.conversation_id AND s.sender_id = @UserId) AS my_last_id,
                       (SELECT MAX(s.id) FROM messages s FORCE INDEX (ix_messages_sender)
                        WHERE s.conversation_id = pg.conversation_id AND s.sender_id = pg.other_id) AS other_last_id
                FROM (
                  SELECT a.conversation_id, a.room_id, a.other_id, a.version, a.message_count, lm.id AS last_message_id, a.is_room, a.key_id,
                         COALESCE(lm.created_at, a.joined_at) AS last_activity_at
                  FROM (
                    SELECT c.id AS conversation_id, c.room_id, NULL AS other_id, c.version, c.message_count,
                           p.joined_at, 1 AS is_room, c.room_id AS key_id
                    FROM room_participants p JOIN conversations c ON c.room_id = p.room_id
                    WHERE p.user_id = @UserId
                    UNION ALL
                    SELECT c.id, NULL, c.user_high, c.version, c.message_count, NULL, 0, c.user_high
                    FROM conversations c WHERE c.user_low = @UserId AND c.message_count > 0
                    UNION ALL
                    SELECT c.id, NULL, c.user_low, c.version, c.message_count, NULL, 0, c.user_low
                    FROM conversations c WHERE c.user_high = @UserId AND c.message_count > 0
                  ) a
                  LEFT JOIN messages lm ON lm.conversation_id = a.conversation_id
                    AND lm.id = (SELECT MAX(l.id) FROM messages l WHERE l.conversation_id = a.conversation_id)
                  WHERE @BeforeAt IS NULL OR (COALESCE(lm.created_at, a.joined_at), a.is_room, a.key_id) < (@BeforeAt, @BeforeIsRoom, @BeforeKey)
                  ORDER BY last_activity_at DESC, a.is_room DESC, a.key_id DESC
                  LIMIT @Limit
                ) pg
                LEFT JOIN conversation_reads me ON me.user_id = @UserId AND me.conversation_id = pg.conversation_id
                LEFT JOIN conversation_reads o ON o.user_id = pg.other_id AND o.conversation_id = pg.conversation_id
              ) k
            ) x
            LEFT JOIN rooms r ON r.id = x.room_id
            LEFT JOIN users u ON u.id = x.other_id
            LEFT JOIN messages m ON m.id = x.last_message_id {MessagesAccess.ReplyJoin}
            ORDER BY x.last_activity_at DESC, x.is_room DESC, x.key_id DESC
            """;

        private sealed record Row(
            long ConversationId, long? RoomId, string Name, long Version, long UnreadCount, long? LastReadMessageId,
            long? OtherLastReadMessageId, DateTime LastActivityAt);

        public async Task<IReadOnlyList<Conversation>> Handle(Query query, CancellationToken cancellationToken)
        {
            var before = query.Before is null ? null : Cursor.Parse(query.Before);
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var rows = (await connection.QueryAsync<Row, UserSummary?, MessagesAccess.MessageRow?, (Row Row, UserSummary? User, MessagesAccess.MessageRow? Last)>(
                new CommandDefinition(PageSql, new
                {
                    query.UserId, query.Limit, BeforeAt = before?.At, BeforeIsRoom = before is { IsRoom: true } ? 1 : 0, BeforeKey = before?.Key ?? 0,
                }, cancellationToken: cancellationToken),
                (row, user, last) => (row, user, last), splitOn: "id,id")).AsList();
            // The last messages' attachments and reactions, all in one round trip.
            var lastMessages = (await connection.WithDetailsAsync(rows.Where(r => r.Last is not null).Select(r => r.Last!).ToList(), cancellationToken))
                .ToDictionary(m => m.Id);
            return rows.Select(r => new Conversation(r.Row.RoomId, r.User, r.Row.Name, r.Row.Version,
                    r.Last is null ? null : lastMessages[r.Last.Id], r.Row.UnreadCount, r.Row.LastReadMessageId, r.Row.OtherLastReadMessageId,
                    r.Row.LastActivityAt))
                .ToList();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/conversations", (string? before, int? limit, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), before, limit ?? 50), ct))
                .WithName(nameof(ListConversations))
                .WithTags("Conversations")
                .WithSummary("My inbox: every room I am in and every direct conversation I have messages in, latest activity first")
                .WithDescription("Each with its lastMessage (a tombstone when that message was deleted), version, unreadCount (messages " +
                                 "after my read marker that are neither mine nor deleted), lastReadMessageId, otherLastReadMessageId " +
                                 "(direct only) and lastActivityAt (the latest message's createdAt, or for a room without messages " +
                                 "when I joined it). Ties on lastActivityAt: rooms first, then by room or user id, descending. " +
                                 "limit 1-100, default 50. The next page: before=<lastActivityAt>|room:<roomId>, or " +
                                 "before=<lastActivityAt>|user:<user.id>, of the page's last item; a page shorter than limit is the " +
                                 "last. A room I left is gone from the list; a direct conversation stays after unfriending. For " +
                                 "catch-up, call since= on each conversation whose version is above the one you applied.")
                .RequireAuthorization()
                .Produces<IReadOnlyList<Conversation>>()
                .ProducesValidationProblem();
    }
}
