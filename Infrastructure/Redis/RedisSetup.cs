using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Observability;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace Messenger.Infrastructure.Redis;

public static class RedisSetup
{
    public static RedisOptions RedisOptions(this IConfiguration configuration) =>
        configuration.GetSection(Redis.RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();

    /// <summary>
    /// The state instances share, chosen once: in process when Redis:Configuration is empty (one
    /// instance), else in Redis, with the SignalR Redis backplane under the counting lifetime manager.
    /// </summary>
    public static IServiceCollection AddSharedState(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.RedisOptions();
        services.AddSingleton<InProcessConnectionTracker>();
        services.AddSingleton<InProcessTypingTracker>();
        services.AddSingleton<InProcessTokenBuckets>();
        services.AddSingleton(provider => new AttemptWindow(provider.GetRequiredService<TimeProvider>()));
        if (!options.Enabled)
        {
            services.AddSingleton<DefaultHubLifetimeManager<ChatHub>>();
            services.AddSingleton<HubLifetimeManager<ChatHub>>(provider =>
                new CountingHubLifetimeManager(provider.GetRequiredService<DefaultHubLifetimeManager<ChatHub>>()));
            services.AddSingleton<ITurns, InProcessTurns>();
            services.AddSingleton<IConnectionTracker>(provider => provider.GetRequiredService<InProcessConnectionTracker>());
            services.AddSingleton<ITypingTracker>(provider => provider.GetRequiredService<InProcessTypingTracker>());
            services.AddSingleton<ISessionSockets>(provider => provider.GetRequiredService<SessionConnections>());
            services.AddSingleton<ITokenBuckets>(provider => provider.GetRequiredService<InProcessTokenBuckets>());
            services.AddSingleton<IAttemptCounter>(provider => provider.GetRequiredService<AttemptWindow>());
            return services;
        }

        if (options.SweepIntervalSeconds <= 0)
            throw new InvalidOperationException($"{Redis.RedisOptions.Section}:SweepIntervalSeconds must be positive.");
        services.AddSingleton(options);
        services.AddSingleton<RedisConnection>();
        services.Configure<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>(o =>
        {
            o.Configuration = options.Parse();
            o.Configuration.ChannelPrefix = RedisChannel.Literal(options.Prefix);
        });
        services.AddSingleton<RedisHubLifetimeManager<ChatHub>>();
        services.AddSingleton<HubLifetimeManager<ChatHub>>(provider =>
            new CountingHubLifetimeManager(provider.GetRequiredService<RedisHubLifetimeManager<ChatHub>>()));
        services.AddSingleton<ITurns, RedisTurns>();
        services.AddSingleton<RedisConnectionTracker>();
        services.AddSingleton<IConnectionTracker>(provider => provider.GetRequiredService<RedisConnectionTracker>());
        services.AddSingleton<PresenceSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<PresenceSweeper>());
        services.AddSingleton<ITypingTracker, RedisTypingTracker>();
        services.AddSingleton<RedisSessionSockets>();
        services.AddSingleton<ISessionSockets>(provider => provider.GetRequiredService<RedisSessionSockets>());
        services.AddHostedService(provider => provider.GetRequiredService<RedisSessionSockets>());
        services.AddSingleton<ITokenBuckets, RedisTokenBuckets>();
        services.AddSingleton<IAttemptCounter, RedisAttemptCounter>();
        return services;
    }
}
