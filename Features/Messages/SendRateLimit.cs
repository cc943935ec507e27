using System.Threading.RateLimiting;
using Messenger.Infrastructure.Errors;
using Microsoft.Extensions.Options;

namespace Messenger.Features.Messages;

public sealed class SendRateLimitOptions
{
    public const string Section = "Messages";
    public int SendBurst { get; set; } = 20;
    public int SendWindowSeconds { get; set; } = 10;
}

/// <summary>
/// Per-user token bucket for sending, shared by both send slices and so by REST and the hub:
/// a burst of SendBurst messages, refilled over SendWindowSeconds. In-process, like presence.
/// </summary>
public sealed class SendRateLimit(IOptions<SendRateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<long> _limiter = PartitionedRateLimiter.Create<long, long>(userId =>
        RateLimitPartition.GetTokenBucketLimiter(userId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.SendBurst,
            TokensPerPeriod = options.Value.SendBurst,
            ReplenishmentPeriod = TimeSpan.FromSeconds(options.Value.SendWindowSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public void Acquire(long userId)
    {
        using var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
            return;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(options.Value.SendWindowSeconds);
        throw new TooManyRequestsException("you are sending messages too fast; slow down", retryAfter);
    }

    public void Dispose() => _limiter.Dispose();
}

public static class SendRateLimitSetup
{
    public static IServiceCollection AddSendRateLimit(this IServiceCollection services, IConfiguration configuration) =>
        services.Configure<SendRateLimitOptions>(configuration.GetSection(SendRateLimitOptions.Section))
            .AddSingleton<SendRateLimit>();
}
