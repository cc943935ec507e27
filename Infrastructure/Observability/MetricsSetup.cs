using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Diagnostics;
using MySqlConnector;
using Prometheus;

namespace Messenger.Infrastructure.Observability;

public static class MetricsSetup
{
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        // The process and runtime metrics stay; the generic .NET meter bridge goes: the HTTP, hub
        // and pool metrics below are measured on purpose, and the framework's own meters would
        // repeat them under other names.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true });
        var connectionString = configuration.GetConnectionString("Messenger") ?? "";
        DatabasePoolMetrics.Start(new MySqlConnectionStringBuilder(connectionString).MaximumPoolSize);
        // Their metrics read 0 from the start instead of appearing at their first use.
        RuntimeHelpers.RunClassConstructor(typeof(ChatMetrics).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(HubMetrics).TypeHandle);
        services.AddSingleton<HubMetrics>();
        return services;
    }

    /// <summary>
    /// Request counts, latencies and requests in progress by route template, method and status,
    /// and GET /metrics. Goes before the problem responses, so a mapped exception counts with its
    /// 4xx or 5xx.
    /// </summary>
    public static WebApplication UseMetrics(this WebApplication app)
    {
        // A hub connection is one request as long as the socket: the hub has its own metrics.
        app.UseWhen(context => !context.Request.Path.StartsWithSegments("/hubs"), branch => branch.UseHttpMetrics(o =>
            o.AddCustomLabel("endpoint", RouteTemplate)));
        app.MapMetrics("/metrics").AllowAnonymous();
        return app;
    }

    /// <summary>
    /// The matched route's template (<c>/users/{id}</c>), never the raw path, so the label's values
    /// stay few. The exception handler clears the endpoint before it writes the problem; the one
    /// it keeps is the one the request matched. Unmatched requests get "".
    /// </summary>
    private static string RouteTemplate(HttpContext context) =>
        (context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint) is RouteEndpoint endpoint
            ? endpoint.RoutePattern.RawText ?? ""
            : "";
}
