using Messenger.Infrastructure.Redis;
using StackExchange.Redis;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// The sliding windows in Redis: one sorted set of attempt times per key, on Redis's own clock,
/// checked and counted in one script, so two instances taking the last allowed attempt at once
/// cannot both have it. With Redis away, this instance counts on its own.
/// </summary>
public sealed class RedisAttemptCounter(RedisConnection redis, AttemptWindow local) : IAttemptCounter
{
    // ARGV: window in ms, a member unique to this attempt, then each key's limit in KEYS order.
    private const string Begin = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local window = tonumber(ARGV[1])
        local wait = -1
        for i, key in ipairs(KEYS) do
          redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
          local limit = tonumber(ARGV[2 + i])
          local count = redis.call('ZCARD', key)
          if count >= limit then
            local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
            wait = math.max(wait, tonumber(oldest[2]) + window - now)
          end
        end
        if wait >= 0 then return wait end
        for _, key in ipairs(KEYS) do
          redis.call('ZADD', key, now, ARGV[2])
          redis.call('PEXPIRE', key, window)
        end
        return -1
        """;

    public async Task<TimeSpan?> BeginAsync(TimeSpan window, params (string Key, int Limit)[] limits)
    {
        try
        {
            RedisValue[] arguments = [(long)window.TotalMilliseconds, Guid.NewGuid().ToString("N"), ..limits.Select(l => (RedisValue)l.Limit)];
            var wait = (long)await redis.Database.ScriptEvaluateAsync(Begin, limits.Select(l => Key(l.Key)).ToArray(), arguments);
            return wait < 0 ? null : TimeSpan.FromMilliseconds(Math.Max(1, wait));
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("throttle", e);
            return await local.BeginAsync(window, limits);
        }
    }

    public async Task ForgetAsync(string key)
    {
        await local.ForgetAsync(key);
        try
        {
            await redis.Database.KeyDeleteAsync(Key(key));
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("throttle", e);
        }
    }

    public async Task TakeBackAsync(string key)
    {
        try
        {
            await redis.Database.SortedSetPopAsync(Key(key), Order.Descending);
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("throttle", e);
            await local.TakeBackAsync(key);
        }
    }

    public async Task ClearAsync()
    {
        await local.ClearAsync();
        foreach (var server in redis.Multiplexer.GetServers())
            await foreach (var key in server.KeysAsync(pattern: redis.Prefix + ":attempts:*"))
                await redis.Database.KeyDeleteAsync(key);
    }

    private RedisKey Key(string key) => redis.Key("attempts:" + key);
}
