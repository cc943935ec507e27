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
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            await connection.EnsureMayTypeAsync(command.UserId, target, cancellationToken);
        return (target, await hub.Clients.TypingAudienceAsync(rooms, command.UserId, target));
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

    /// <summary>The others in the conversation; the typist's own connections never hear their typing.</summary>
    public static async Task<IChatClient> TypingAudienceAsync(this IHubClients<IChatClient> clients, RoomGroups rooms, long typistId, TypingTarget target) =>
        target.ToUserId is { } toUserId ? clients.Users(toUserId) : await rooms.RoomExceptAsync(target.RoomId!.Value, typistId);
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
