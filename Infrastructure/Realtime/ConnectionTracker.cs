namespace Messenger.Infrastructure.Realtime;

/// <summary>Which users have open connections, on this instance or (with Redis) on any.</summary>
public interface IConnectionTracker
{
    /// <summary>True when this is the user's first open connection: the user just came online.</summary>
    Task<bool> ConnectedAsync(long userId, string connectionId);

    /// <summary>True when this was the user's last open connection: the user just went offline.</summary>
    Task<bool> DisconnectedAsync(long userId, string connectionId);

    Task<IReadOnlySet<long>> OnlineAmongAsync(IEnumerable<long> userIds);

    /// <summary>The user's open connections, so a room join or leave reaches all of them at once.</summary>
    Task<IReadOnlyList<string>> ConnectionsOfAsync(long userId);
}

/// <summary>
/// One presence change of a user at a time, on every instance: from the tracker's answer (first
/// connection, last disconnection) to the PresenceChanged it causes. Without it a disconnect still
/// reading the user's friends could announce "offline" after the reconnect that followed it had
/// announced "online", and friends would see an online user as offline.
/// </summary>
public sealed class PresenceOrder(ITurns turns)
{
    public Task<IDisposable> EnterAsync(long userId, CancellationToken cancellationToken) => turns.EnterAsync($"presence:{userId}", cancellationToken);
}

/// <summary>In-process tracking: correct for one instance.</summary>
public sealed class InProcessConnectionTracker : IConnectionTracker
{
    private readonly Dictionary<long, HashSet<string>> _connections = new();
    private readonly Lock _lock = new();

    public Task<bool> ConnectedAsync(long userId, string connectionId)
    {
        lock (_lock)
        {
            if (!_connections.TryGetValue(userId, out var connections))
                _connections[userId] = connections = [];
            return Task.FromResult(connections.Add(connectionId) && connections.Count == 1);
        }
    }

    public Task<bool> DisconnectedAsync(long userId, string connectionId)
    {
        lock (_lock)
        {
            if (!_connections.TryGetValue(userId, out var connections) || !connections.Remove(connectionId))
                return Task.FromResult(false);
            if (connections.Count > 0)
                return Task.FromResult(false);
            _connections.Remove(userId);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlySet<long>> OnlineAmongAsync(IEnumerable<long> userIds)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlySet<long>>(userIds.Where(_connections.ContainsKey).ToHashSet());
    }

    public Task<IReadOnlyList<string>> ConnectionsOfAsync(long userId)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<string>>(_connections.TryGetValue(userId, out var connections) ? connections.ToList() : []);
    }

    /// <summary>Every open connection, for writing this instance's share back into Redis.</summary>
    public IReadOnlyList<(long UserId, string ConnectionId)> All()
    {
        lock (_lock)
            return _connections.SelectMany(user => user.Value.Select(connection => (user.Key, connection))).ToList();
    }
}
