using Messenger.Features.Friends;
using Messenger.Features.Messages;
using Messenger.Features.Rooms;
using Messenger.Features.Users;

namespace Messenger.Infrastructure.Realtime;

public sealed record MessageDeletedEvent(long MessageId, long? RoomId, long SenderId, long? RecipientId, long Version);
public sealed record ParticipantJoinedEvent(long RoomId, UserSummary User);
public sealed record ParticipantLeftEvent(long RoomId, long UserId);
public sealed record FriendRemovedEvent(long UserId);
public sealed record PresenceChangedEvent(long UserId, bool Online);
public sealed record TypingEvent(long? RoomId, long UserId);
public sealed record ConversationReadEvent(long? RoomId, long UserId, long MessageId);

/// <summary>A reaction added or removed: the message's conversation fields, who reacted, and the emoji's count after the change.</summary>
public sealed record ReactionChangedEvent(
    long MessageId, long? RoomId, long SenderId, long? RecipientId, string Emoji, long UserId, bool Added, long Count, long Version);

/// <summary>The events a connected client receives; each method name is the event name on the wire.</summary>
public interface IChatClient
{
    Task MessageReceived(Message message);
    Task MessageEdited(Message message);
    Task MessageDeleted(MessageDeletedEvent deleted);
    Task FriendRequestReceived(FriendRequest request);
    Task FriendRequestResponded(FriendRequest request);
    Task FriendRemoved(FriendRemovedEvent removed);
    Task PresenceChanged(PresenceChangedEvent presence);
    Task TypingStarted(TypingEvent typing);
    Task TypingStopped(TypingEvent typing);
    Task ParticipantJoined(ParticipantJoinedEvent joined);
    Task ParticipantLeft(ParticipantLeftEvent left);
    Task RoomInviteReceived(Invite invite);
    Task RoomInviteResponded(Invite invite);
    Task ConversationRead(ConversationReadEvent read);
    Task ReactionChanged(ReactionChangedEvent changed);
}
