using System.Threading.RateLimiting;
using Messenger.Infrastructure.Redis;
using StackExchange.Redis;

namespace Messenger.Infrastructure.RateLimits;

/// <summary>A bucket's shape: <see cref="Burst"/> calls, refilled over <see cref="Window"/>.</summary>
public readonly record struct BucketLimit(int Burst, TimeSpan Window);

/// <summary>
/// Token buckets by key, behind every per-user rate limit (the send rate and the policies): in
/// process for one instance, in Redis for several, so a burst split over instances meets one bucket.
/// </summary>
public interface ITokenBuckets
{
    /// <summary>Takes a token: null when there was one, else how long until there is.</summary>
    Task<TimeSpan?> TakeAsync(string key, BucketLimit limit);
}

public sealed class InProcessTokenBuckets : ITokenBuckets, IDisposable
{
    private readonly PartitionedRateLimiter<(string Key, BucketLimit Limit)> _limiter =
        PartitionedRateLimiter.Create<(string Key, BucketLimit Limit), (string Key, BucketLimit Limit)>(bucket =>
            RateLimitPartition.GetTokenBucketLimiter(bucket, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = bucket.Limit.Burst,
                TokensPerPeriod = bucket.Limit.Burst,
                ReplenishmentPeriod = bucket.Limit.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    public Task<TimeSpan?> TakeAsync(string key, BucketLimit limit)
    {
        using var lease = _limiter.AttemptAcquire((key, limit));
        if (lease.IsAcquired)
            return Task.FromResult<TimeSpan?>(null);
        return Task.FromResult<TimeSpan?>(lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limit.Window);
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>
/// One hash per bucket (tokens, when last counted) and one script that refills by the time passed
/// on Redis's own clock and takes a token, so instances never disagree about the time or race each
/// other. Refilling is continuous: Burst tokens per Window, never above Burst. With Redis away, this
/// instance's own buckets hold the line.
/// </summary>
public sealed class RedisTokenBuckets(RedisConnection redis, InProcessTokenBuckets local) : ITokenBuckets
{
    private static readonly LuaScript Take = LuaScript.Prepare("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local burst = tonumber(@burst)
        local window = tonumber(@window)
        local state = redis.call('HMGET', @key, 'tokens', 'at')
        local tokens = tonumber(state[1]) or burst
        local at = tonumber(state[2]) or now
        tokens = math.min(burst, tokens + math.max(0, now - at) * burst / window)
        if tokens < 1 then
          return math.ceil((1 - tokens) * window / burst)
        end
        redis.call('HSET', @key, 'tokens', tokens - 1, 'at', now)
        redis.call('PEXPIRE', @key, window)
        return -1
        """);

    public async Task<TimeSpan?> TakeAsync(string key, BucketLimit limit)
    {
        try
        {
            var wait = (long)await redis.Database.ScriptEvaluateAsync(Take, new
            {
                key = redis.Key("bucket:" + key), burst = limit.Burst, window = (long)limit.Window.TotalMilliseconds,
            });
            return wait < 0 ? null : TimeSpan.FromMilliseconds(wait);
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("rate-limit", e);
            return await local.TakeAsync(key, limit);
        }
    }
}
