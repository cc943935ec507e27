using Microsoft.AspNetCore.SignalR;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// Each room is a SignalR group holding the open connections of its participants. Membership
/// changes move all of a user's connections at once, so a join or leave takes effect without
/// reconnecting.
/// </summary>
public sealed class RoomGroups(IHubContext<ChatHub, IChatClient> hub, IConnectionTracker connections)
{
    public static string Name(long roomId) => $"room:{roomId}";

    public IChatClient Room(long roomId) => hub.Clients.Group(Name(roomId));

    /// <summary>The room without the given user's own connections (the typist, for typing events).</summary>
    public async Task<IChatClient> RoomExceptAsync(long roomId, long userId) =>
        hub.Clients.GroupExcept(Name(roomId), await connections.ConnectionsOfAsync(userId));

    public async Task AddUserAsync(long roomId, long userId)
    {
        foreach (var connectionId in await connections.ConnectionsOfAsync(userId))
            await hub.Groups.AddToGroupAsync(connectionId, Name(roomId));
    }

    public async Task RemoveUserAsync(long roomId, long userId)
    {
        foreach (var connectionId in await connections.ConnectionsOfAsync(userId))
            await hub.Groups.RemoveFromGroupAsync(connectionId, Name(roomId));
    }

    public async Task AddConnectionAsync(string connectionId, IEnumerable<long> roomIds)
    {
        foreach (var roomId in roomIds)
            await hub.Groups.AddToGroupAsync(connectionId, Name(roomId));
    }
}
