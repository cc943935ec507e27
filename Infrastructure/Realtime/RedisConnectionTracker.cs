using MediatR;
using Messenger.Features.Realtime.Disconnect;
using Messenger.Infrastructure.Redis;
using StackExchange.Redis;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// Presence across instances. Redis holds, per user, the set of their open connections on every
/// instance, and per instance the set of its own (<c>userId:connectionId</c>), beside a heartbeat
/// key that instance keeps alive (see <see cref="PresenceSweeper"/>). Each change is one script,
/// so "first connection anywhere" and "last one anywhere" are decided atomically. This instance's
/// own connections are also kept in process: they answer while Redis is away, and are written
/// back when Redis lost them (a restart) or swept them (this instance missed its heartbeats).
/// </summary>
public sealed class RedisConnectionTracker(RedisConnection redis, InProcessConnectionTracker local) : IConnectionTracker
{
    private static readonly LuaScript Connect = LuaScript.Prepare("""
        redis.call('SADD', @instance, @member)
        if redis.call('SADD', @user, @connection) == 1 and redis.call('SCARD', @user) == 1 then return 1 end
        return 0
        """);

    private static readonly LuaScript Disconnect = LuaScript.Prepare("""
        redis.call('SREM', @instance, @member)
        if redis.call('SREM', @user, @connection) == 1 and redis.call('SCARD', @user) == 0 then return 1 end
        return 0
        """);

    public async Task<bool> ConnectedAsync(long userId, string connectionId) =>
        await ChangeAsync(Connect, userId, connectionId, await local.ConnectedAsync(userId, connectionId));

    public async Task<bool> DisconnectedAsync(long userId, string connectionId) =>
        await ChangeAsync(Disconnect, userId, connectionId, await local.DisconnectedAsync(userId, connectionId));

    /// <summary>Redis's answer, or, with Redis away, this instance's own (<paramref name="answerHere"/>).</summary>
    private async Task<bool> ChangeAsync(LuaScript change, long userId, string connectionId, bool answerHere)
    {
        try
        {
            return (bool)await redis.Database.ScriptEvaluateAsync(change, Parameters(redis.InstanceId, userId, connectionId));
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("presence", e);
            return answerHere;
        }
    }

    public async Task<IReadOnlySet<long>> OnlineAmongAsync(IEnumerable<long> userIds)
    {
        var ids = userIds.ToList();
        try
        {
            var exists = await Task.WhenAll(ids.Select(id => redis.Database.KeyExistsAsync(UserKey(id))));
            return ids.Where((_, i) => exists[i]).ToHashSet();
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("presence", e);
            return await local.OnlineAmongAsync(ids);
        }
    }

    public async Task<IReadOnlyList<string>> ConnectionsOfAsync(long userId)
    {
        try
        {
            return (await redis.Database.SetMembersAsync(UserKey(userId))).Select(c => c.ToString()).ToList();
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("presence", e);
            return await local.ConnectionsOfAsync(userId);
        }
    }

    /// <summary>Writes this instance's connections into Redis again, after Redis forgot them.</summary>
    public async Task RestoreAsync()
    {
        foreach (var (userId, connectionId) in local.All())
            await redis.Database.ScriptEvaluateAsync(Connect, Parameters(redis.InstanceId, userId, connectionId));
    }

    public RedisKey InstanceKey(string instanceId) => redis.Key($"instance:{instanceId}:connections");

    private RedisKey UserKey(long userId) => redis.Key($"user:{userId}:connections");

    private object Parameters(string instanceId, long userId, string connectionId) => new
    {
        instance = InstanceKey(instanceId), user = UserKey(userId), member = $"{userId}:{connectionId}", connection = connectionId,
    };
}

/// <summary>
/// Keeps this instance's heartbeat alive in Redis and sweeps the connections of instances whose
/// heartbeat ran out: each is taken out as a disconnect would (typing stopped, the user offline to
/// their friends when it was their last connection). Every instance sweeps; two sweeping the same
/// dead instance at once are harmless, because taking a connection out says "last" only once.
/// </summary>
public sealed class PresenceSweeper(RedisConnection redis, RedisConnectionTracker tracker, RedisOptions options, IServiceScopeFactory scopes,
    ILogger<PresenceSweeper> logger) : BackgroundService
{
    // Refreshes the heartbeat, and says whether it had run out (0): then Redis has lost or swept
    // this instance's connections, and they are written back.
    private static readonly LuaScript Beat = LuaScript.Prepare("""
        if redis.call('SET', @alive, '1', 'PX', @ttl, 'XX') then return 1 end
        redis.call('SET', @alive, '1', 'PX', @ttl)
        redis.call('SADD', @instances, @id)
        return 0
        """);

    private TimeSpan Interval => TimeSpan.FromSeconds(options.SweepIntervalSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await BeatAsync();
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (RedisConnection.IsOutage(e))
            {
                redis.Failed("heartbeat", e);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Presence sweep failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task BeatAsync()
    {
        var ttl = (long)(Interval * 3).TotalMilliseconds;
        var alive = (bool)await redis.Database.ScriptEvaluateAsync(Beat, new { alive = AliveKey(redis.InstanceId), ttl, instances = InstancesKey, id = redis.InstanceId });
        if (!alive)
            await tracker.RestoreAsync();
    }

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        foreach (var instance in await redis.Database.SetMembersAsync(InstancesKey))
        {
            var id = instance.ToString();
            if (id == redis.InstanceId || await redis.Database.KeyExistsAsync(AliveKey(id)))
                continue;
            var connections = tracker.InstanceKey(id);
            foreach (var member in await redis.Database.SetMembersAsync(connections))
            {
                var (userId, connectionId) = Split(member.ToString());
                logger.LogInformation("Sweeping connection {ConnectionId} of user {UserId}: instance {Instance} stopped its heartbeat", connectionId,
                    userId, id);
                // The disconnect takes the connection out of its user's set (this instance's own set
                // never had it); only then does it leave the dead instance's, so a sweeper that dies
                // half way leaves the rest to the next sweep.
                using (var scope = scopes.CreateScope())
                    await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new Disconnect.Command(userId, connectionId), stoppingToken);
                await redis.Database.SetRemoveAsync(connections, member);
            }
            if (await redis.Database.SetLengthAsync(connections) == 0)
                await redis.Database.SetRemoveAsync(InstancesKey, id);
        }
    }

    private static (long UserId, string ConnectionId) Split(string member)
    {
        var colon = member.IndexOf(':');
        return (long.Parse(member[..colon], System.Globalization.CultureInfo.InvariantCulture), member[(colon + 1)..]);
    }

    private RedisKey InstancesKey => redis.Key("instances");

    private RedisKey AliveKey(string instanceId) => redis.Key($"instance:{instanceId}:alive");
}
