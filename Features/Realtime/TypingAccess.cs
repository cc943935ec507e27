using Dapper;
using FluentValidation;
using Messenger.Features.Friends;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Realtime;

/// <summary>Who may type where, and who hears it: shared by StartTyping, StopTyping and Disconnect.</summary>
public static class TypingAccess
{
    /// <summary>
    /// What StartTyping and StopTyping both do first: check the typist may type there, and find
    /// who hears it.
    /// </summary>
    public static async Task<(TypingTarget Target, IChatClient Audience)> PrepareTypingAsync(this MySqlDataSource db,
        IHubContext<ChatHub, IChatClient> hub, RoomGroups rooms, ITypingCommand command, CancellationToken cancellationToken)
    {
        var target = new TypingTarget(command.RoomId, command.ToUserId);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.EnsureMayTypeAsync(command.UserId, target, cancellationToken);
        return (target, await connection.TypingAudienceAsync(hub.Clients, rooms, command.UserId, target, cancellationToken));
    }

    private static async Task EnsureMayTypeAsync(this MySqlConnection connection, long userId, TypingTarget target, CancellationToken cancellationToken)
    {
        if (target.ToUserId is { } toUserId)
        {
            if (!await connection.AreFriendsAsync(userId, toUserId, cancellationToken))
                throw new ForbiddenException($"user {toUserId} is not your friend");
            return;
        }
        (await connection.GetVisibleRoomAsync(target.RoomId!.Value, userId, cancellationToken)).EnsureParticipant();
    }

    // Who in the conversation has blocked the typist or been blocked by them: primary-key and
    // ix_blocks_blocked probes, read when the event is sent, so a block reaches connections that
    // were already open, on every instance.
    private const string BlockedInRoomSql = """
        SELECT b.blocked_id FROM blocks b
        WHERE b.blocker_id = @TypistId AND EXISTS(SELECT 1 FROM room_participants p WHERE p.room_id = @RoomId AND p.user_id = b.blocked_id)
        UNION
        SELECT b.blocker_id FROM blocks b
        WHERE b.blocked_id = @TypistId AND EXISTS(SELECT 1 FROM room_participants p WHERE p.room_id = @RoomId AND p.user_id = b.blocker_id)
        """;

    private const string BlockedDirectSql = """
        SELECT COUNT(*) FROM blocks WHERE blocker_id IN (@TypistId, @ToUserId) AND blocked_id IN (@TypistId, @ToUserId)
        """;

    private const string OtherParticipantsSql = "SELECT user_id FROM room_participants WHERE room_id = @RoomId AND user_id <> @TypistId";

    /// <summary>
    /// The others in the conversation, less anyone in a block with the typist (either way); the
    /// typist's own connections never hear their typing. Without a block in the room (the usual
    /// case) the event goes to the room's group; with one, to the remaining participants by user,
    /// which SignalR routes to their connections wherever they are.
    /// </summary>
    public static async Task<IChatClient> TypingAudienceAsync(this MySqlConnection connection, IHubClients<IChatClient> clients, RoomGroups rooms,
        long typistId, TypingTarget target, CancellationToken cancellationToken)
    {
        if (target.ToUserId is { } toUserId)
        {
            var blocked = await connection.ExecuteScalarAsync<long>(new CommandDefinition(BlockedDirectSql,
                new { TypistId = typistId, ToUserId = toUserId }, cancellationToken: cancellationToken)) > 0;
            return clients.Users(blocked ? [] : [toUserId]);
        }
        var roomId = target.RoomId!.Value;
        var parameters = new { TypistId = typistId, RoomId = roomId };
        var excluded = (await connection.QueryAsync<long>(new CommandDefinition(BlockedInRoomSql, parameters,
            cancellationToken: cancellationToken))).ToHashSet();
        if (excluded.Count == 0)
            return await rooms.RoomExceptAsync(roomId, typistId);
        var others = await connection.QueryAsync<long>(new CommandDefinition(OtherParticipantsSql, parameters, cancellationToken: cancellationToken));
        return clients.Users(others.Where(id => !excluded.Contains(id)).ToList());
    }
}

/// <summary>The shape StartTyping and StopTyping share, so one validator serves both.</summary>
public interface ITypingCommand
{
    long UserId { get; }
    long? RoomId { get; }
    long? ToUserId { get; }
}

/// <summary>Exactly one of roomId and toUserId, and never yourself.</summary>
public sealed class TypingTargetValidator : AbstractValidator<ITypingCommand>
{
    public TypingTargetValidator()
    {
        RuleFor(x => x.ToUserId).Must((x, to) => (to is null) != (x.RoomId is null)).WithMessage("give exactly one of roomId and toUserId");
        RuleFor(x => x.ToUserId).NotEqual(x => x.UserId).WithMessage("must not be yourself").When(x => x.ToUserId is not null);
    }
}
