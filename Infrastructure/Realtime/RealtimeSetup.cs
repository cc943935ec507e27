using Messenger.Infrastructure.Api;
using Messenger.Infrastructure.Auth;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Realtime;

public static class RealtimeSetup
{
    public static IServiceCollection AddRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RealtimeOptions>(configuration.GetSection(RealtimeOptions.Section));
        services.AddSingleton<ConversationOrder>();
        services.AddSingleton<PresenceOrder>();
        services.AddSingleton<SessionConnections>();
        services.AddSignalR(o =>
            {
                // A ping every 5 s when nothing else is sent (SignalR's default is 15 s), so the web
                // client can take 15 s of silence (its serverTimeout) as a dead network and say so,
                // instead of the default 30 s. Each ping is a few bytes per idle connection.
                o.KeepAliveInterval = TimeSpan.FromSeconds(5);
                o.AddFilter<Observability.HubMetrics>();
                o.AddFilter<SessionConnections>();
                o.AddFilter<HubProblemFilter>();
            })
            .AddJsonProtocol(o => JsonSetup.Configure(o.PayloadSerializerOptions));
        // Takes the place of the plain JSON protocol: the resolver keeps the last one of a name.
        services.AddSingleton<IHubProtocol>(provider =>
            new ProblemMessageProtocol(new JsonHubProtocol(provider.GetRequiredService<IOptions<JsonHubProtocolOptions>>())));
        // The lifetime manager, presence, typing and turns: see RedisSetup.AddSharedState.
        services.AddSingleton<IUserIdProvider, SubjectUserIdProvider>();
        services.AddSingleton<RoomGroups>();
        return services;
    }

    public static WebApplication MapRealtime(this WebApplication app)
    {
        // MapHub as it is, but for the outbound buffer between the hub and each socket. A socket
        // outliving its access token would outlive a revoked session too: it closes when the token
        // expires, and the client reconnects with a fresh one.
        app.MapConnections("/hubs/chat", new HttpConnectionDispatcherOptions { CloseOnAuthenticationExpiration = true },
                connection => connection.UseOutboundBuffer().UseHub<ChatHub>())
            .WithMetadata([..typeof(ChatHub).GetCustomAttributes(inherit: true), new HubMetadata(typeof(ChatHub))]);
        return app;
    }

    /// <summary>Clients.User(id) addresses every connection whose token has that <c>sub</c>.</summary>
    private sealed class SubjectUserIdProvider : IUserIdProvider
    {
        public string? GetUserId(HubConnectionContext connection) =>
            connection.User.Identity?.IsAuthenticated == true ? connection.User.UserId().ToString() : null;
    }
}

public static class HubClientsExtensions
{
    /// <summary>Every open connection of each of these users, on any tab or device.</summary>
    public static IChatClient Users(this IHubClients<IChatClient> clients, params IEnumerable<long> userIds) =>
        clients.Users(userIds.Select(id => id.ToString()).ToList());
}
