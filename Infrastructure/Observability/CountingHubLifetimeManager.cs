using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;

namespace Messenger.Infrastructure.Observability;

/// <summary>
/// Counts every event the service sends, by name, on its way to the lifetime manager that
/// delivers it (SignalR's own, or its Redis backplane with several instances): the one place all
/// of <see cref="IChatClient"/>'s sends pass through.
/// </summary>
public sealed class CountingHubLifetimeManager(HubLifetimeManager<ChatHub> inner) : HubLifetimeManager<ChatHub>
{
    private static Task Counted(string methodName, Task send)
    {
        ChatMetrics.EventsSent.WithLabels(methodName).Inc();
        return send.IsCompletedSuccessfully ? send : Survived(methodName, send);
    }

    /// <summary>
    /// An event the backplane could not publish (Redis away) is lost, like one whose process died
    /// after the commit: the change it reports is committed, and clients catch up (GET /conversations,
    /// since=). So the request that made the change still succeeds; the loss is logged and counted.
    /// </summary>
    private static async Task Survived(string methodName, Task send)
    {
        try
        {
            await send;
        }
        catch (Exception e) when (Redis.RedisConnection.IsOutage(e))
        {
            ChatMetrics.EventsLost.WithLabels(methodName).Inc();
        }
    }

    public override Task OnConnectedAsync(HubConnectionContext connection) => inner.OnConnectedAsync(connection);

    public override Task OnDisconnectedAsync(HubConnectionContext connection) => inner.OnDisconnectedAsync(connection);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendAllAsync(methodName, args, cancellationToken));

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds,
        CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken));

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken));

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args,
        CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken));

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendGroupAsync(groupName, methodName, args, cancellationToken));

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args,
        CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken));

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds,
        CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken));

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendUserAsync(userId, methodName, args, cancellationToken));

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Counted(methodName, inner.SendUsersAsync(userIds, methodName, args, cancellationToken));
}
