using MediatR;
using Messenger.Features.Friends;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Realtime.Connect;

/// <summary>
/// A socket opened: it joins the groups of the user's rooms, and the user's friends learn they
/// came online (on the first connection only).
/// </summary>
public static class Connect
{
    public sealed record Command(long UserId, string ConnectionId) : IRequest<Unit>;

    public sealed class Handler(MySqlDataSource db, IConnectionTracker connections, PresenceOrder presence, RoomGroups rooms,
        IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            using var turn = await presence.EnterAsync(command.UserId, cancellationToken);
            // Tracked before the rooms are read: a join or leave committed meanwhile either shows
            // in the read or finds this connection in the tracker (see RoomGroups).
            var cameOnline = await connections.ConnectedAsync(command.UserId, command.ConnectionId);
            try
            {
                await using var connection = await db.OpenConnectionAsync(cancellationToken);
                await rooms.AddConnectionAsync(command.UserId, command.ConnectionId,
                    () => connection.RoomIdsOfUserAsync(command.UserId, cancellationToken));
                if (!cameOnline)
                    return Unit.Value;
                var friends = await connection.FriendIdsAsync(command.UserId, cancellationToken);
                await hub.Clients.Users(friends).PresenceChanged(new PresenceChangedEvent(command.UserId, Online: true));
            }
            catch
            {
                // SignalR does not call OnDisconnectedAsync after a failed OnConnectedAsync.
                await connections.DisconnectedAsync(command.UserId, command.ConnectionId);
                throw;
            }
            return Unit.Value;
        }
    }
}
