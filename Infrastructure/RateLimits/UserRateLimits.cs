using Messenger.Infrastructure.Errors;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.RateLimits;

/// <summary>
/// Marks a command as limited per user by <typeparamref name="TPolicy"/>, one of <see cref="RateLimitPolicies"/>:
/// <c>record Command(long UserId, long RoomId) : IRequest&lt;Room&gt;, IRateLimited&lt;RateLimitPolicies.JoinLeave&gt;</c>.
/// The MediatR pipeline takes a token before the handler runs, so the REST endpoint and the hub
/// method that send the command share one budget and answer the same 429.
/// </summary>
public interface IRateLimited<TPolicy> : IRateLimited
    where TPolicy : class;

/// <summary>The user whose budget a call spends; a command whose user property has another name implements it explicitly.</summary>
public interface IRateLimited
{
    long UserId { get; }
}

/// <summary>The policies: each one's name is its key under RateLimits:Policies.</summary>
public static class RateLimitPolicies
{
    /// <summary>Sending, answering and cancelling friend requests, and removing friends.</summary>
    public sealed class Friends;

    /// <summary>Joining and leaving rooms: each one is an event to the whole room, so a loop must not become a flood.</summary>
    public sealed class JoinLeave;

    /// <summary>Inviting to rooms and answering invites.</summary>
    public sealed class Invites;

    /// <summary>Uploading and replacing files, and setting an avatar.</summary>
    public sealed class Uploads;

    public sealed class Edits;

    public sealed class Deletes;

    /// <summary>StartTyping: clients resend it every few seconds while the user types, so the budget is generous.</summary>
    public sealed class Typing;

    public sealed class Reactions;

    public sealed class Blocking;

    /// <summary>Moving read markers: each move is an event to the reader's connections (and, direct, the other user's).</summary>
    public sealed class Reads;

    /// <summary>Message search: each call is a full-text query over every conversation the user is in.</summary>
    public sealed class Search;

    public static IEnumerable<string> Names => typeof(RateLimitPolicies).GetNestedTypes().Select(t => t.Name);

    /// <summary>The policy a command type names through <see cref="IRateLimited{TPolicy}"/>, or null.</summary>
    public static string? Of(Type command) => command.GetInterfaces()
        .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRateLimited<>))
        .Select(i => i.GetGenericArguments()[0].Name)
        .SingleOrDefault();
}

public sealed class RateLimitPolicyOptions
{
    public int Burst { get; set; }

    public int WindowSeconds { get; set; }
}

public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Requests and hub calls one user may have running at once; past it they answer 429 straight away.</summary>
    public int MaxRequestsInFlightPerUser { get; set; } = 16;

    /// <summary>Per policy, a token bucket per user: Burst calls, refilled every WindowSeconds.</summary>
    public Dictionary<string, RateLimitPolicyOptions> Policies { get; set; } = new()
    {
        [nameof(RateLimitPolicies.Friends)] = new() { Burst = 20, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.JoinLeave)] = new() { Burst = 20, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Invites)] = new() { Burst = 20, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Uploads)] = new() { Burst = 20, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Edits)] = new() { Burst = 30, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Deletes)] = new() { Burst = 30, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Typing)] = new() { Burst = 20, WindowSeconds = 20 },
        [nameof(RateLimitPolicies.Reactions)] = new() { Burst = 30, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Blocking)] = new() { Burst = 10, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Reads)] = new() { Burst = 60, WindowSeconds = 60 },
        [nameof(RateLimitPolicies.Search)] = new() { Burst = 30, WindowSeconds = 60 },
    };
}

/// <summary>The per-user buckets of every policy. The message send limit (Features/Messages/SendRateLimit) keeps its own settings.</summary>
public sealed class UserRateLimits(IOptions<RateLimitOptions> options, ITokenBuckets buckets)
{
    public async Task AcquireAsync(string policy, long userId)
    {
        var limit = options.Value.Policies[policy];
        if (await buckets.TakeAsync($"{policy}:{userId}", new BucketLimit(limit.Burst, TimeSpan.FromSeconds(limit.WindowSeconds))) is not { } retryAfter)
            return;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        throw new TooManyRequestsException($"the {policy} limit of {limit.Burst} per {limit.WindowSeconds} s is used up; try again in {seconds} s",
            retryAfter);
    }
}
