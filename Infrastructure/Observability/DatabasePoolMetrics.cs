using System.Diagnostics.Metrics;
using Prometheus;

namespace Messenger.Infrastructure.Observability;

/// <summary>
/// Bridges MySqlConnector's pool instruments (its "MySqlConnector" meter) into Prometheus.
/// prometheus-net's generic meter bridge would do it too, but it forgets a series that has not
/// changed for five minutes, and a quiet pool's connection counts are such series: rebuilt from
/// the next delta they would read wrong. It would also put the connection string in a label.
/// Pools are per process, so this listens once per process, summing every pool (the service
/// itself has one).
/// </summary>
public static class DatabasePoolMetrics
{
    private static readonly Gauge Connections = Metrics.CreateGauge(
        "messenger_db_pool_connections", "Pooled database connections by state: used (taken by a request) or idle.", "state");

    private static readonly Gauge PendingRequests = Metrics.CreateGauge(
        "messenger_db_pool_pending_requests", "Requests waiting for a pooled database connection.");

    private static readonly Counter Timeouts = Metrics.CreateCounter(
        "messenger_db_pool_timeouts_total", "Waits for a pooled database connection that timed out.");

    private static readonly Histogram WaitTime = Metrics.CreateHistogram(
        "messenger_db_pool_wait_seconds", "Time taken to get a connection from the pool.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });

    private static readonly Gauge MaxConnections = Metrics.CreateGauge(
        "messenger_db_pool_max_connections", "The pool's size limit (Maximum Pool Size in the connection string).");

    private static readonly Lazy<MeterListener> Listener = new(Listen);

    /// <summary>Starts listening; call before the first connection opens, or its counts are missed.</summary>
    public static void Start(uint maximumPoolSize)
    {
        _ = Listener.Value;
        MaxConnections.Set(maximumPoolSize);
        // Shown as 0 before the first connection instead of appearing with it.
        Connections.WithLabels("used").Publish();
        Connections.WithLabels("idle").Publish();
    }

    private static MeterListener Listen()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "MySqlConnector")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        listener.Start();
        return listener;
    }

    private static void Record(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        switch (instrument)
        {
            case "db.client.connections.usage":
                foreach (var tag in tags)
                    if (tag is { Key: "state", Value: string state })
                        Connections.WithLabels(state).Inc(value);
                break;
            case "db.client.connections.pending_requests":
                PendingRequests.Inc(value);
                break;
            case "db.client.connections.timeouts":
                Timeouts.Inc(value);
                break;
            case "db.client.connections.wait_time":
                WaitTime.Observe(value);
                break;
        }
    }
}
