using Messenger.Infrastructure.Redis;
using StackExchange.Redis;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// One holder per key at a time, the others waiting their turn: the presence changes of a user,
/// the group changes of a user, the changes of a conversation. In process for one instance; across
/// every instance with Redis.
/// </summary>
public interface ITurns
{
    Task<IDisposable> EnterAsync(string key, CancellationToken cancellationToken = default);
}

public sealed class InProcessTurns : ITurns
{
    private readonly OneAtATime<string> _turns = new();

    public Task<IDisposable> EnterAsync(string key, CancellationToken cancellationToken = default) => _turns.EnterAsync(key, cancellationToken);
}

/// <summary>
/// A turn is first taken in this process (so waiters here queue in memory, in arrival order, and
/// never poll Redis against each other), then as a lease in Redis: SET NX with a token and an
/// expiry, so the turn of an instance that died frees itself after <see cref="Lease"/>. Waiting
/// for another instance's turn polls, backing off to a few milliseconds. With Redis away the turn
/// holds in this process only, which is all an instance alone needs.
/// </summary>
public sealed class RedisTurns(RedisConnection redis) : ITurns
{
    // Longer than any turn takes (a few database round trips and a publish), short enough that an
    // instance dying mid-turn holds its keys up for seconds, not minutes.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(10);

    // Deletes the lease only if it is still this holder's: one that expired and was taken by
    // someone else is theirs now.
    private static readonly LuaScript Release = LuaScript.Prepare("if redis.call('GET', @key) == @token then redis.call('DEL', @key) end");

    private readonly InProcessTurns _local = new();

    public async Task<IDisposable> EnterAsync(string key, CancellationToken cancellationToken = default)
    {
        var local = await _local.EnterAsync(key, cancellationToken);
        try
        {
            var redisKey = redis.Key("turn:" + key);
            var token = Guid.NewGuid().ToString("N");
            var poll = TimeSpan.FromMilliseconds(1);
            while (!await redis.Database.StringSetAsync(redisKey, token, Lease, When.NotExists))
            {
                await Task.Delay(poll, cancellationToken);
                poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, MaxPoll.Ticks));
            }
            return new Held(redis, redisKey, token, local);
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("turn", e);
            return local;
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    private sealed class Held(RedisConnection redis, RedisKey key, string token, IDisposable local) : IDisposable
    {
        public void Dispose()
        {
            // Sent before the local turn is handed on, so a next holder here finds the key free
            // (or polls a millisecond). Not waited for: a lost release only delays the next holder
            // until the lease expires.
            _ = ReleaseAsync();
            local.Dispose();
        }

        private async Task ReleaseAsync()
        {
            try
            {
                await redis.Database.ScriptEvaluateAsync(Release, new { key, token });
            }
            catch (Exception e) when (RedisConnection.IsOutage(e))
            {
                redis.Failed("turn", e);
            }
        }
    }
}
