using System.Collections.Concurrent;
using System.Globalization;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Redis;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// Closes the sockets of ended login sessions. A socket is authenticated once, when it opens, so
/// ending a session (logout, a password change, a reused refresh token) must close its sockets,
/// or they would go on receiving and sending as that user.
/// </summary>
public interface ISessionSockets
{
    Task CloseSessionAsync(long sessionId);

    Task CloseOtherSessionsAsync(long userId, long keptSessionId);
}

/// <summary>
/// The open connections of each login session on this instance, like the hub's own connections;
/// by itself, the closing of one instance.
/// </summary>
public sealed class SessionConnections : IHubFilter, ISessionSockets
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

    public Task CloseSessionAsync(long sessionId)
    {
        Close(c => c.SessionId == sessionId);
        return Task.CompletedTask;
    }

    public Task CloseOtherSessionsAsync(long userId, long keptSessionId)
    {
        Close(c => c.UserId == userId && c.SessionId != keptSessionId);
        return Task.CompletedTask;
    }

    private void Close(Func<(long UserId, long SessionId, HubCallerContext Caller), bool> ended)
    {
        foreach (var connection in _open.Values.Where(ended))
            connection.Caller.Abort();
    }
}

/// <summary>
/// Closing on every instance: each closes its own sockets of the session when it hears the
/// session's end on a Redis channel. This instance closes its own first, so they close even while
/// Redis is away (the others' then close when their access tokens expire).
/// </summary>
public sealed class RedisSessionSockets(RedisConnection redis, SessionConnections local, ILogger<RedisSessionSockets> logger)
    : BackgroundService, ISessionSockets
{
    private RedisChannel Channel => redis.Channel("sessions-ended");

    public async Task CloseSessionAsync(long sessionId)
    {
        await local.CloseSessionAsync(sessionId);
        await PublishAsync($"session {sessionId}");
    }

    public async Task CloseOtherSessionsAsync(long userId, long keptSessionId)
    {
        await local.CloseOtherSessionsAsync(userId, keptSessionId);
        await PublishAsync($"others {userId} {keptSessionId}");
    }

    private async Task PublishAsync(string ended)
    {
        try
        {
            await redis.Multiplexer.GetSubscriber().PublishAsync(Channel, ended);
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("session-close", e);
        }
    }

    /// <summary>Subscribes, retrying while Redis is away; once subscribed the multiplexer renews it after every reconnect.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await redis.Multiplexer.GetSubscriber().SubscribeAsync(Channel, (_, message) => Heard(message.ToString()));
                return;
            }
            catch (Exception e) when (RedisConnection.IsOutage(e))
            {
                redis.Failed("session-subscribe", e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private void Heard(string ended)
    {
        var parts = ended.Split(' ');
        var ids = parts.Skip(1).Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        _ = parts[0] == "session" ? local.CloseSessionAsync(ids[0]) : local.CloseOtherSessionsAsync(ids[0], ids[1]);
        logger.LogDebug("Session end heard from Redis: {Ended}", ended);
    }
}
