using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Prometheus;

namespace Messenger.Infrastructure.Observability;

/// <summary>
/// Hub method call rates and latencies, and the open connections. Added as the outermost hub
/// filter, so a call's time and outcome are those the client sees.
/// </summary>
public sealed class HubMetrics : IHubFilter
{
    private static readonly Histogram Calls = Metrics.CreateHistogram(
        "messenger_hub_method_duration_seconds", "Hub method calls by method and outcome (ok, or the status the HubException starts with).",
        ["method", "status"], new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    private static readonly Gauge OpenConnections = Metrics.CreateGauge(
        "messenger_hub_connections", "Hub connections open now (their OnConnectedAsync finished and they have not disconnected).");

    // Marks a connection as counted, so the count stays right whether or not SignalR reports the
    // disconnect of a connection whose connect failed.
    private static readonly object Counted = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var started = Stopwatch.GetTimestamp();
        var status = "ok";
        try
        {
            return await next(context);
        }
        catch (Exception e)
        {
            status = StatusOf(e);
            throw;
        }
        finally
        {
            Calls.WithLabels(context.HubMethodName, status).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        context.Context.Items[Counted] = true;
        OpenConnections.Inc();
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (context.Context.Items.Remove(Counted))
            OpenConnections.Dec();
        await next(context, exception);
    }

    /// <summary>Hub errors start with their status (<c>403 Forbidden: ...</c>); anything else is a 500 to the client.</summary>
    private static string StatusOf(Exception e) =>
        e is HubException { Message: [>= '1' and <= '5', >= '0' and <= '9', >= '0' and <= '9', ' ', ..] message } ? message[..3] : "500";
}
