namespace Messenger.Infrastructure.Realtime;

/// <summary>A conversation named before anything is read: a room, or the pair of users of a direct conversation.</summary>
public readonly record struct ConversationKey(long RoomId, long UserLow, long UserHigh)
{
    public static ConversationKey Room(long roomId) => new(roomId, 0, 0);

    public static ConversationKey Direct(long a, long b) => new(0, Math.Min(a, b), Math.Max(a, b));

    public static ConversationKey Of(long? roomId, long senderId, long? recipientId) =>
        roomId is { } room ? Room(room) : Direct(senderId, recipientId!.Value);
}

/// <summary>
/// Lets one change of a conversation at a time through, on every instance, from reading the
/// conversation's version to handing the change's event over for delivery. So events leave in
/// version order (two changes that commit back to back cannot overtake each other on the way to
/// the sockets), and the changes waiting their turn wait here, holding no pooled connection and
/// no row lock. Delivery never waits for a client (see OutboundBuffer), so neither does a turn.
/// With several instances the turn is shared through Redis (see RedisTurns): the event is published
/// before the turn is handed on, so the backplane carries a conversation's events in version order.
/// </summary>
public sealed class ConversationOrder(ITurns turns)
{
    public Task<IDisposable> EnterAsync(ConversationKey key, CancellationToken cancellationToken) =>
        turns.EnterAsync($"conversation:{key.RoomId}:{key.UserLow}:{key.UserHigh}", cancellationToken);
}
