using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
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
/// a burst of SendBurst messages, refilled over SendWindowSeconds. Shared by every instance when
/// they share Redis (see ITokenBuckets).
/// </summary>
public sealed class SendRateLimit(IOptions<SendRateLimitOptions> options, ITokenBuckets buckets)
{
    private readonly BucketLimit _limit = new(options.Value.SendBurst, TimeSpan.FromSeconds(options.Value.SendWindowSeconds));

    public async Task AcquireAsync(long userId)
    {
        if (await buckets.TakeAsync($"send:{userId}", _limit) is { } retryAfter)
            throw new TooManyRequestsException("you are sending messages too fast; slow down", retryAfter);
    }
}

public static class SendRateLimitSetup
{
    public static IServiceCollection AddSendRateLimit(this IServiceCollection services, IConfiguration configuration) =>
        services.Configure<SendRateLimitOptions>(configuration.GetSection(SendRateLimitOptions.Section))
            .AddSingleton<SendRateLimit>();
}
