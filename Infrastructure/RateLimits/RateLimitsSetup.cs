using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.SignalR;
using Microsoft.OpenApi;

namespace Messenger.Infrastructure.RateLimits;

public static class RateLimitsSetup
{
    /// <summary>
    /// The per-user policies, which the MediatR pipeline applies to <see cref="IRateLimited{TPolicy}"/> commands, and the
    /// per-user cap on requests in flight. The cap is per instance even with several: it guards the
    /// instance's own database pool, which one account's burst must not drain, and a shared count
    /// would cost a Redis round trip on every request and leak slots whenever an instance died.
    /// </summary>
    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.MaxRequestsInFlightPerUser > 0 && RateLimitPolicies.Names.All(name =>
                    o.Policies.TryGetValue(name, out var p) && p is { Burst: > 0, WindowSeconds: > 0 }),
                $"{RateLimitOptions.Section}: MaxRequestsInFlightPerUser, and Burst and WindowSeconds of every policy " +
                $"({string.Join(", ", RateLimitPolicies.Names)}), must be positive.")
            .ValidateOnStart();
        services.AddSingleton<UserRateLimits>();
        services.AddSingleton<RequestsInFlight>();
        services.AddSingleton<RequestsInFlightHubFilter>();
        services.Configure<HubOptions>(o => o.AddFilter<RequestsInFlightHubFilter>());
        services.ConfigureAll<OpenApiOptions>(o => o.AddOperationTransformer(DocumentTooManyRequests));
        return services;
    }

    /// <summary>After authentication: the cap is per user.</summary>
    public static WebApplication UseRequestsInFlightLimit(this WebApplication app)
    {
        app.UseMiddleware<RequestsInFlightMiddleware>();
        return app;
    }

    /// <summary>Any signed-in call can meet the in-flight cap, so each one documents its 429.</summary>
    private static Task DocumentTooManyRequests(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken _)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
            return Task.CompletedTask;
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("429", new OpenApiResponse
        {
            Description = "Too Many Requests: the user has RateLimits:MaxRequestsInFlightPerUser calls running, or the call's " +
                          "per-user rate limit is used up. Retry-After says when to try again.",
        });
        return Task.CompletedTask;
    }
}
