using Microsoft.AspNetCore.SignalR;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// Each room is a SignalR group holding the open connections of its participants. Membership
/// changes move all of a user's connections at once, so a join or leave takes effect without
/// reconnecting.
/// </summary>
public sealed class RoomGroups(IHubContext<ChatHub, IChatClient> hub, IConnectionTracker connections, ITurns turns, ILogger<RoomGroups> logger)
{
    // A connection on another instance takes its group change through the backplane and answers.
    // One that closed meanwhile, or whose instance died (until the sweep takes it out of the
    // tracker), never answers, and SignalR would wait 30 s for it; no change waits longer than this.
    private static readonly TimeSpan RemoteAnswer = TimeSpan.FromSeconds(5);

    // Group changes of one user run one at a time, on every instance (a turn in Redis when there are
    // several), each after its change is committed and each reading the committed state, so the last
    // one to run leaves the groups as the database says: a connection opening while its user leaves
    // a room cannot re-add itself afterwards, nor can a join that loses a race with a leave.

    public static string Name(long roomId) => $"room:{roomId}";

    public IChatClient Room(long roomId) => hub.Clients.Group(Name(roomId));

    /// <summary>The room without the given user's own connections (the typist, for typing events).</summary>
    public async Task<IChatClient> RoomExceptAsync(long roomId, long userId) =>
        hub.Clients.GroupExcept(Name(roomId), await connections.ConnectionsOfAsync(userId));

    /// <summary>Puts all of the user's connections in the room's group, or takes them out, as the database now says.</summary>
    public Task SyncUserAsync(long roomId, long userId, Func<Task<bool>> isParticipant) => WithUserLockAsync(userId, async () =>
    {
        var join = await isParticipant();
        foreach (var connectionId in await connections.ConnectionsOfAsync(userId))
        {
            await AnsweredAsync(connectionId, join
                ? hub.Groups.AddToGroupAsync(connectionId, Name(roomId))
                : hub.Groups.RemoveFromGroupAsync(connectionId, Name(roomId)));
        }
    });

    /// <summary>Puts a new connection in the groups of the user's rooms, read under the user's lock.</summary>
    public Task AddConnectionAsync(long userId, string connectionId, Func<Task<IReadOnlyList<long>>> roomIdsOfUser) =>
        WithUserLockAsync(userId, async () =>
        {
            foreach (var roomId in await roomIdsOfUser())
                await hub.Groups.AddToGroupAsync(connectionId, Name(roomId));
        });

    private async Task AnsweredAsync(string connectionId, Task change)
    {
        try
        {
            await change.WaitAsync(RemoteAnswer);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Connection {ConnectionId} did not answer a room group change within {Seconds} s; taken as gone", connectionId,
                RemoteAnswer.TotalSeconds);
        }
    }

    private async Task WithUserLockAsync(long userId, Func<Task> change)
    {
        using (await turns.EnterAsync($"groups:{userId}"))
            await change();
    }
}
