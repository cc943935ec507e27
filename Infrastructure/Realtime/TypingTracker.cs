using System.Collections.Concurrent;

namespace Messenger.Infrastructure.Realtime;

/// <summary>Where a typist is typing: a room, or a direct conversation with a user.</summary>
public sealed record TypingTarget(long? RoomId, long? ToUserId);

/// <summary>
/// What each connection is typing into, kept only so that a connection closing mid-typing can
/// be announced as TypingStopped. Never written to the database; in memory per instance, as the
/// connection itself is.
/// </summary>
public sealed class TypingTracker
{
    private readonly ConcurrentDictionary<string, HashSet<TypingTarget>> _typing = new();

    public void Start(string connectionId, TypingTarget target)
    {
        var targets = _typing.GetOrAdd(connectionId, _ => []);
        lock (targets)
            targets.Add(target);
    }

    /// <summary>True when the connection was typing there.</summary>
    public bool Stop(string connectionId, TypingTarget target)
    {
        if (!_typing.TryGetValue(connectionId, out var targets))
            return false;
        lock (targets)
            return targets.Remove(target);
    }

    /// <summary>Forgets the connection and returns where it was still typing.</summary>
    public IReadOnlyCollection<TypingTarget> Forget(string connectionId)
    {
        if (!_typing.TryRemove(connectionId, out var targets))
            return [];
        lock (targets)
            return targets.ToList();
    }
}
