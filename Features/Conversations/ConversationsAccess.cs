using Dapper;
using Messenger.Features.Users;
using MySqlConnector;

namespace Messenger.Features.Conversations;

/// <summary>
/// A conversation is a room, or the direct conversation of two users; messages hang off its id.
/// Its row carries the conversation's version and is the lock every change of its messages takes
/// (see Migrations/0008): that is what makes versions follow commit order.
/// </summary>
public static class ConversationsAccess
{
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

    /// <summary>The direct conversation of @A and @B.</summary>
    public const string DirectPair = "user_low = LEAST(@A, @B) AND user_high = GREATEST(@A, @B)";

    // A friendship that starts again later finds the pair's conversation, and its history, still there.
    private const string OpenDirectSql = """
        INSERT INTO conversations (user_low, user_high)
        SELECT r.user_low, r.user_high FROM friend_requests r
        WHERE r.id = @RequestId AND r.status = 'accepted'
          AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.user_low = r.user_low AND c.user_high = r.user_high)
        """;

    private const string OpenRoomSql = "INSERT INTO conversations (room_id) VALUES (@RoomId)";

    private const string FindDirectSql = $"SELECT id FROM conversations WHERE {DirectPair}";

    private const string FindRoomSql = "SELECT id FROM conversations WHERE room_id = @RoomId";

    /// <summary>
    /// Follows a slice's INSERT IGNORE of the reader's marker (which keeps a marker already there):
    /// moves that marker to @MessageId (seq @Seq) only when it lies before it. The rows the pair
    /// reports are the moves: 0 when the marker already was at or past the message.
    /// </summary>
    public const string MoveMarkerForwardSql = """
        UPDATE conversation_reads SET message_id = @MessageId, seq = @Seq
        WHERE user_id = @UserId AND conversation_id = @ConversationId AND seq < @Seq;
        """;

    /// <summary>Gives two users who just became friends (by the accepted request) their conversation, so sending never has to create it.</summary>
    public static Task OpenDirectConversationAsync(this MySqlConnection connection, long requestId, MySqlTransaction transaction,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(OpenDirectSql, new { RequestId = requestId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Gives a new room its conversation.</summary>
    public static Task OpenRoomConversationAsync(this MySqlConnection connection, long roomId, MySqlTransaction transaction,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(OpenRoomSql, new { RoomId = roomId }, transaction, cancellationToken: cancellationToken));

    public static Task<long?> FindDirectConversationIdAsync(this MySqlConnection connection, long a, long b, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindDirectSql, new { A = a, B = b }, cancellationToken: cancellationToken));

    public static Task<long?> FindRoomConversationIdAsync(this MySqlConnection connection, long roomId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindRoomSql, new { RoomId = roomId }, cancellationToken: cancellationToken));
}
