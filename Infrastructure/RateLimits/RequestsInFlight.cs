using System.Security.Claims;
using System.Threading.RateLimiting;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Messenger.Infrastructure.RateLimits;

/// <summary>
/// A cap on the requests and hub calls each user has running at once. Without it one account
/// firing a few hundred requests in parallel held every pooled database connection, and everyone
/// else got 503; now that account alone is refused, with 429, before it reaches the pool.
/// Refused at once rather than queued: a queue would hold the same memory and sockets.
/// </summary>
public sealed class RequestsInFlight(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<long> _limiter = PartitionedRateLimiter.Create<long, long>(userId =>
        RateLimitPartition.GetConcurrencyLimiter(userId, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxRequestsInFlightPerUser,
            QueueLimit = 0,
        }));

    /// <summary>A lease to dispose when the request ends, or a 429 when the user is at the cap.</summary>
    public RateLimitLease Enter(long userId)
    {
        var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
            return lease;
        lease.Dispose();
        throw new TooManyRequestsException(
            $"you have {options.Value.MaxRequestsInFlightPerUser} requests running at once; wait for one to finish", TimeSpan.FromSeconds(1));
    }

    public void Dispose() => _limiter.Dispose();

    public static long? UserOf(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true && long.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id) ? id : null;
}

public sealed class RequestsInFlightMiddleware(RequestDelegate next, RequestsInFlight inFlight)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // A hub connection is one request that lasts as long as the socket; the hub filter counts its calls instead.
        if (RequestsInFlight.UserOf(context.User) is not { } userId || context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is not null)
        {
            await next(context);
            return;
        }
        using var lease = inFlight.Enter(userId);
        await next(context);
    }
}

/// <summary>Counts hub calls against the same cap as REST requests; connecting and disconnecting are never refused.</summary>
public sealed class RequestsInFlightHubFilter(RequestsInFlight inFlight) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (RequestsInFlight.UserOf(context.Context.User) is not { } userId)
            return await next(context);
        RateLimitLease lease;
        try
        {
            lease = inFlight.Enter(userId);
        }
        catch (TooManyRequestsException e)
        {
            // Made here rather than left to HubProblemFilter, so the order the filters are added in does not matter.
            throw new HubException(Problems.From(e)!.ToHubMessage());
        }
        using (lease)
            return await next(context);
    }
}
