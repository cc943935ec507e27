using MediatR;
using Messenger.Features.Friends;
using Messenger.Features.Realtime.StopTyping;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Realtime.Disconnect;

/// <summary>
/// A socket closed: wherever it was typing, the others see TypingStopped; on the user's last
/// connection their friends learn they went offline.
/// </summary>
public static class Disconnect
{
    public sealed record Command(long UserId, string ConnectionId) : IRequest<Unit>;

    public sealed class Handler(MySqlDataSource db, IConnectionTracker connections, PresenceOrder presence, ITypingTracker typing, RoomGroups rooms,
        IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Unit>
    {
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            if (await typing.ForgetAsync(command.ConnectionId) is { Count: > 0 } targets)
            {
                await using var audienceConnection = await db.OpenConnectionAsync(cancellationToken);
                foreach (var target in targets)
                    await (await audienceConnection.TypingAudienceAsync(hub.Clients, rooms, command.UserId, target, cancellationToken))
                        .TypingStopped(new TypingEvent(target.RoomId, command.UserId));
            }

            using var turn = await presence.EnterAsync(command.UserId, cancellationToken);
            if (!await connections.DisconnectedAsync(command.UserId, command.ConnectionId))
                return Unit.Value;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var friends = await connection.FriendIdsAsync(command.UserId, cancellationToken);
            await hub.Clients.Users(friends).PresenceChanged(new PresenceChangedEvent(command.UserId, Online: false));
            return Unit.Value;
        }
    }
}
