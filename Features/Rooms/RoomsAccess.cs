using Dapper;
using Messenger.Features.Users;
using Messenger.Infrastructure.Errors;
using MySqlConnector;

namespace Messenger.Features.Rooms;

public sealed record Room(
    long Id, string Name, string Description, bool IsPrivate, long OwnerId, long ParticipantCount, DateTime CreatedAt, string? MyRole);

public sealed record Participant(UserSummary User, string Role, DateTime JoinedAt);

public sealed record InviteRoom(long Id, string Name, bool IsPrivate);

public sealed record Invite(
    long Id, InviteRoom Room, UserSummary Inviter, UserSummary Invitee, string Status, DateTime CreatedAt, DateTime? RespondedAt);

/// <summary>Where a user stands in a room; the one place the room visibility rule lives.</summary>
public sealed class RoomMembership
{
    public long RoomId { get; init; }
    public bool IsPrivate { get; init; }
    public long OwnerId { get; init; }
    public bool IsParticipant { get; init; }
    public bool IsInvited { get; init; }

    /// <summary>A private room exists only for its participants and the users invited to it.</summary>
    public bool IsVisible => !IsPrivate || IsParticipant || IsInvited;

    public RoomMembership EnsureParticipant()
    {
        if (!IsParticipant)
            throw new ForbiddenException($"you are not a participant of room {RoomId}");
        return this;
    }
}

/// <summary>SQL that several Rooms slices (and messages and typing) share.</summary>
public static class RoomsAccess
{
    /// <summary>Room columns for the viewer @UserId, over <c>rooms r</c>.</summary>
    public const string RoomColumns = """
        r.id, r.name, r.description, r.is_private, r.owner_id,
        (SELECT COUNT(*) FROM room_participants c WHERE c.room_id = r.id) AS participant_count,
        r.created_at,
        CASE WHEN NOT EXISTS(SELECT 1 FROM room_participants me WHERE me.room_id = r.id AND me.user_id = @UserId) THEN NULL
             WHEN r.owner_id = @UserId THEN 'owner' ELSE 'member' END AS my_role
        """;

    private const string RoomSql = $"SELECT {RoomColumns} FROM rooms r WHERE r.id = @RoomId";

    // FOR UPDATE on the room row serialises every membership change of one room (join, leave,
    // invite, accept), so a check and the write that depends on it cannot interleave.
    private const string MembershipSql = """
        SELECT r.id AS room_id, r.is_private, r.owner_id,
               EXISTS(SELECT 1 FROM room_participants p WHERE p.room_id = r.id AND p.user_id = @UserId) AS is_participant,
               EXISTS(SELECT 1 FROM room_invites i WHERE i.room_id = r.id AND i.invitee_id = @UserId AND i.live = 1) AS is_invited
        FROM rooms r WHERE r.id = @RoomId
        """;

    // The joiner's read marker starts at the room's latest message (its highest id), so history
    // from before the join is not unread; the INSERT ... SELECT reads the conversation row under a
    // shared lock, after any send in flight. It comes before the participant row: a send holds the conversation row while
    // it locks the sender's participant row, so waiting for the conversation with the new
    // participant row already held could close into a deadlock.
    // Whoever joins an empty room (its last owner left) becomes its owner.
    private const string AddParticipantSql = """
        INSERT INTO conversation_reads (user_id, conversation_id, message_id, seq)
        SELECT @UserId, c.id, m.id, m.seq FROM conversations c JOIN messages m ON m.conversation_id = c.id
        WHERE c.room_id = @RoomId ORDER BY m.id DESC LIMIT 1;
        INSERT INTO room_participants (room_id, user_id, joined_at) VALUES (@RoomId, @UserId, @Now);
        UPDATE rooms SET owner_id = @UserId
        WHERE id = @RoomId AND NOT EXISTS (SELECT 1 FROM room_participants p WHERE p.room_id = @RoomId AND p.user_id <> @UserId);
        """;

    private const string IsParticipantSql = "SELECT EXISTS(SELECT 1 FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId)";

    private const string LockRoomSql = "SELECT id FROM rooms WHERE id = @RoomId FOR UPDATE";

    private const string RoomIdsOfUserSql = "SELECT room_id FROM room_participants WHERE user_id = @UserId";

    private static readonly string InviteSql = $"""
        SELECT i.id, i.status, i.created_at, i.responded_at,
               r.id, r.name, r.is_private,
               {UsersAccess.SummaryColumnsOf("inviter")}, {UsersAccess.SummaryColumnsOf("invitee")}
        FROM room_invites i
        JOIN rooms r ON r.id = i.room_id
        JOIN users inviter ON inviter.id = i.inviter_id
        JOIN users invitee ON invitee.id = i.invitee_id
        """;

    private sealed record InviteRow(long Id, string Status, DateTime CreatedAt, DateTime? RespondedAt);

    /// <summary>The room as the user may see it; 404 when it does not exist or is private to others.</summary>
    public static async Task<RoomMembership> GetVisibleRoomAsync(this MySqlConnection connection, long roomId, long userId,
        CancellationToken cancellationToken, MySqlTransaction? transaction = null)
    {
        var sql = transaction is null ? MembershipSql : MembershipSql + " FOR UPDATE";
        var membership = await connection.QuerySingleOrDefaultAsync<RoomMembership>(new CommandDefinition(sql,
            new { RoomId = roomId, UserId = userId }, transaction, cancellationToken: cancellationToken));
        return membership is { IsVisible: true } ? membership : throw new NotFoundException($"room {roomId} not found");
    }

    public static Task AddParticipantAsync(this MySqlConnection connection, long roomId, long userId, DateTime now, MySqlTransaction transaction,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(AddParticipantSql, new { RoomId = roomId, UserId = userId, Now = now }, transaction,
            cancellationToken: cancellationToken));

    public static Task<bool> IsParticipantAsync(this MySqlConnection connection, long roomId, long userId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(IsParticipantSql, new { RoomId = roomId, UserId = userId },
            cancellationToken: cancellationToken));

    /// <summary>Takes the room's membership lock (see MembershipSql) without any visibility check.</summary>
    public static Task LockRoomAsync(this MySqlConnection connection, long roomId, MySqlTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync(new CommandDefinition(LockRoomSql, new { RoomId = roomId }, transaction, cancellationToken: cancellationToken));

    public static async Task<Room> GetRoomAsync(this MySqlConnection connection, long roomId, long userId,
        CancellationToken cancellationToken, MySqlTransaction? transaction = null) =>
        await connection.QuerySingleAsync<Room>(new CommandDefinition(RoomSql, new { RoomId = roomId, UserId = userId }, transaction,
            cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<long>> RoomIdsOfUserAsync(this MySqlConnection connection, long userId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<long>(new CommandDefinition(RoomIdsOfUserSql, new { UserId = userId }, cancellationToken: cancellationToken))).AsList();

    /// <summary>Invites filtered by <paramref name="where"/>, a clause over <c>i</c> (the invite) and <c>r</c> (its room).</summary>
    public static async Task<IReadOnlyList<Invite>> QueryInvitesAsync(this MySqlConnection connection, string where, object parameters,
        CancellationToken cancellationToken, MySqlTransaction? transaction = null)
    {
        var invites = await connection.QueryAsync<InviteRow, InviteRoom, UserSummary, UserSummary, Invite>(
            new CommandDefinition($"{InviteSql} {where}", parameters, transaction, cancellationToken: cancellationToken),
            (i, room, inviter, invitee) => new Invite(i.Id, room, inviter, invitee, i.Status, i.CreatedAt, i.RespondedAt),
            splitOn: "id,id,id");
        return invites.AsList();
    }

    public static async Task<Invite> GetInviteAsync(this MySqlConnection connection, long inviteId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null) =>
        (await connection.QueryInvitesAsync("WHERE i.id = @InviteId", new { InviteId = inviteId }, cancellationToken, transaction)).Single();
}
