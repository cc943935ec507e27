using Messenger.Features.Friends;

namespace Messenger.Infrastructure.Realtime;

public sealed record FriendRemovedEvent(long UserId);
public sealed record PresenceChangedEvent(long UserId, bool Online);
public sealed record TypingEvent(long? RoomId, long UserId);

/// <summary>The events a connected client receives; each method name is the event name on the wire.</summary>
public interface IChatClient
{
    Task FriendRequestReceived(FriendRequest request);
    Task FriendRequestResponded(FriendRequest request);
    Task FriendRemoved(FriendRemovedEvent removed);
    Task PresenceChanged(PresenceChangedEvent presence);
    Task TypingStarted(TypingEvent typing);
    Task TypingStopped(TypingEvent typing);
}
