using Messenger.Infrastructure.RateLimits;
using Microsoft.Extensions.Options;
using static Messenger.Tests.Testing;

namespace Messenger.Tests;

public static class RateLimitTesting
{
    /// <summary>The burst of a policy as the suite's service is configured (RateLimits:Policies).</summary>
    public static int Burst<TPolicy>() => Service<IOptions<RateLimitOptions>>().Value.Policies[typeof(TPolicy).Name].Burst;

    /// <summary>
    /// Spends what is left of the burst of <typeparamref name="TPolicy"/> after the arrangement's own
    /// <paramref name="spentByArrangement"/> calls on <paramref name="call"/>, whatever each call answers
    /// short of 429 (repeats are often 404 or 409, and still count), then asserts that the next call
    /// is a 429 problem naming the policy, with Retry-After.
    /// </summary>
    public static async Task AssertLimitedAsync<TPolicy>(Func<Task<HttpResponseMessage>> call, int spentByArrangement = 0)
    {
        for (var i = spentByArrangement + 1; i <= Burst<TPolicy>(); i++)
        {
            var response = await call();
            Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.TooManyRequests), $"call {i} of the burst");
        }

        var refused = await call();

        var problem = await ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(typeof(TPolicy).Name));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
    }
}
