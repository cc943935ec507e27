using System.Collections.Concurrent;
using Messenger.Infrastructure.Auth;
using Microsoft.AspNetCore.SignalR;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// The open connections of each login session. A socket is authenticated once, when it opens, so
/// ending a session (logout, a password change, a reused refresh token) must close its sockets
/// here, or they would go on receiving and sending as that user. Per process, like the hub's own
/// connections.
/// </summary>
public sealed class SessionConnections : IHubFilter
{
    private readonly ConcurrentDictionary<string, (long UserId, long SessionId, HubCallerContext Caller)> _open = new();

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var caller = context.Context;
        _open[caller.ConnectionId] = (caller.User!.UserId(), caller.User!.SessionId(), caller);
        try
        {
            await next(context);
        }
        catch
        {
            // A connection whose set-up failed is closed without OnDisconnectedAsync: forget it here.
            _open.TryRemove(caller.ConnectionId, out _);
            throw;
        }
    }

    /// <summary>How many connections are open (for tests and fault checks: it must return to its size after an outage).</summary>
    public int Count => _open.Count;

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _open.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception);
    }

    public void CloseSession(long sessionId) => Close(c => c.SessionId == sessionId);

    public void CloseOtherSessions(long userId, long keptSessionId) => Close(c => c.UserId == userId && c.SessionId != keptSessionId);

    private void Close(Func<(long UserId, long SessionId, HubCallerContext Caller), bool> ended)
    {
        foreach (var connection in _open.Values.Where(ended))
            connection.Caller.Abort();
    }
}
