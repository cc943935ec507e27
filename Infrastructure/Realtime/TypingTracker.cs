using System.Collections.Concurrent;
using Messenger.Infrastructure.Redis;
using StackExchange.Redis;

namespace Messenger.Infrastructure.Realtime;

/// <summary>Where a typist is typing: a room, or a direct conversation with a user.</summary>
public sealed record TypingTarget(long? RoomId, long? ToUserId);

/// <summary>
/// What each connection is typing into, kept only so that a connection closing mid-typing can
/// be announced as TypingStopped. Never written to the database.
/// </summary>
public interface ITypingTracker
{
    Task StartAsync(string connectionId, TypingTarget target);

    /// <summary>True when the connection was typing there.</summary>
    Task<bool> StopAsync(string connectionId, TypingTarget target);

    /// <summary>Forgets the connection and returns where it was still typing.</summary>
    Task<IReadOnlyCollection<TypingTarget>> ForgetAsync(string connectionId);
}

/// <summary>In memory, as the connections of one instance are.</summary>
public sealed class InProcessTypingTracker : ITypingTracker
{
    private readonly ConcurrentDictionary<string, HashSet<TypingTarget>> _typing = new();

    public Task StartAsync(string connectionId, TypingTarget target)
    {
        var targets = _typing.GetOrAdd(connectionId, _ => []);
        lock (targets)
            targets.Add(target);
        return Task.CompletedTask;
    }

    public Task<bool> StopAsync(string connectionId, TypingTarget target)
    {
        if (!_typing.TryGetValue(connectionId, out var targets))
            return Task.FromResult(false);
        lock (targets)
            return Task.FromResult(targets.Remove(target));
    }

    public Task<IReadOnlyCollection<TypingTarget>> ForgetAsync(string connectionId)
    {
        if (!_typing.TryRemove(connectionId, out var targets))
            return Task.FromResult<IReadOnlyCollection<TypingTarget>>([]);
        lock (targets)
            return Task.FromResult<IReadOnlyCollection<TypingTarget>>(targets.ToList());
    }
}

/// <summary>
/// In Redis, one set per connection: leaving a room stops the typing of the leaver's connections on
/// every instance, and the sweep of a dead instance announces where its connections were typing.
/// With Redis away, this instance's starts are kept in process and still stopped.
/// </summary>
public sealed class RedisTypingTracker(RedisConnection redis, InProcessTypingTracker local) : ITypingTracker
{
    // A typing state is stale long before this; the expiry only bounds what a lost stop leaves behind.
    private static readonly TimeSpan Expiry = TimeSpan.FromHours(1);

    private static readonly LuaScript Forget = LuaScript.Prepare("""
        local targets = redis.call('SMEMBERS', @key)
        redis.call('DEL', @key)
        return targets
        """);

    public async Task StartAsync(string connectionId, TypingTarget target)
    {
        try
        {
            var key = Key(connectionId);
            var transaction = redis.Database.CreateTransaction();
            _ = transaction.SetAddAsync(key, Member(target));
            _ = transaction.KeyExpireAsync(key, Expiry);
            await transaction.ExecuteAsync();
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("typing", e);
            await local.StartAsync(connectionId, target);
        }
    }

    public async Task<bool> StopAsync(string connectionId, TypingTarget target)
    {
        var stoppedHere = await local.StopAsync(connectionId, target);
        try
        {
            return await redis.Database.SetRemoveAsync(Key(connectionId), Member(target)) || stoppedHere;
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("typing", e);
            return stoppedHere;
        }
    }

    public async Task<IReadOnlyCollection<TypingTarget>> ForgetAsync(string connectionId)
    {
        var targets = (await local.ForgetAsync(connectionId)).ToHashSet();
        try
        {
            foreach (var member in (RedisResult[])(await redis.Database.ScriptEvaluateAsync(Forget, new { key = Key(connectionId) }))!)
                targets.Add(Target(member.ToString()!));
        }
        catch (Exception e) when (RedisConnection.IsOutage(e))
        {
            redis.Failed("typing", e);
        }
        return targets;
    }

    private RedisKey Key(string connectionId) => redis.Key($"typing:{connectionId}");

    private static string Member(TypingTarget target) => target.RoomId is { } room ? $"room:{room}" : $"user:{target.ToUserId}";

    private static TypingTarget Target(string member)
    {
        var id = long.Parse(member[(member.IndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return member.StartsWith("room:", StringComparison.Ordinal) ? new TypingTarget(id, null) : new TypingTarget(null, id);
    }
}
