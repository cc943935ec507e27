using Prometheus;
using StackExchange.Redis;

namespace Messenger.Infrastructure.Redis;

public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string. Empty: one instance, every piece of shared state in process.</summary>
    public string Configuration { get; set; } = "";

    /// <summary>
    /// Starts every key and the backplane's channels, so several deployments (or test runs) can
    /// share one Redis without seeing each other.
    /// </summary>
    public string Prefix { get; set; } = "messenger";

    /// <summary>
    /// How often an instance refreshes its heartbeat and sweeps dead instances. The heartbeat lives
    /// three intervals, so a dead instance's connections are swept within four (20 s by default).
    /// </summary>
    public int SweepIntervalSeconds { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    public ConfigurationOptions Parse()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        // Start and keep running while Redis is away; the multiplexer reconnects by itself.
        options.AbortOnConnectFail = false;
        // A command while disconnected fails at once instead of waiting in a backlog: the caller
        // falls back to what this instance knows, and the request does not hang on Redis.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }
}

/// <summary>
/// This instance's connection to Redis, for the state several instances share: presence, typing,
/// rate limits, throttles, turns and session closing. Each of those has an in-process twin, chosen
/// once in setup; the Redis one falls back to what this instance can do on its own when Redis is
/// away, and counts the failure here.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private static readonly Counter Failures = Prometheus.Metrics.CreateCounter(
        "messenger_redis_failures_total", "Redis calls that failed (Redis unreachable or too slow), by what was being done; the instance carried on alone.",
        "operation");

    private const long LogEvery = 5_000;
    private readonly ILogger<RedisConnection> _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastLogged = new();

    public RedisConnection(RedisOptions options, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        Prefix = options.Prefix;
        InstanceId = Guid.NewGuid().ToString("N");
        Multiplexer = ConnectionMultiplexer.Connect(options.Parse());
        Multiplexer.ConnectionFailed += (_, e) => _logger.LogWarning(e.Exception, "Redis connection lost ({FailureType}); reconnecting", e.FailureType);
        Multiplexer.ConnectionRestored += (_, _) => _logger.LogInformation("Redis connection restored");
    }

    public ConnectionMultiplexer Multiplexer { get; }

    public IDatabase Database => Multiplexer.GetDatabase();

    public string Prefix { get; }

    /// <summary>Names this process among the instances, for its heartbeat and its connections.</summary>
    public string InstanceId { get; }

    public RedisKey Key(string name) => $"{Prefix}:{name}";

    public RedisChannel Channel(string name) => RedisChannel.Literal($"{Prefix}:{name}");

    /// <summary>True for the exceptions that mean Redis is not answering, which callers survive.</summary>
    public static bool IsOutage(Exception e) => e is RedisException or RedisTimeoutException or ObjectDisposedException;

    /// <summary>Counts every failure; logs one per operation every few seconds, as an outage fails every call.</summary>
    public void Failed(string operation, Exception e)
    {
        Failures.WithLabels(operation).Inc();
        var now = Environment.TickCount64;
        var last = _lastLogged.GetOrAdd(operation, now - LogEvery);
        if (now - last >= LogEvery && _lastLogged.TryUpdate(operation, now, last))
            _logger.LogWarning("Redis {Operation} failed, carrying on with this instance alone (messenger_redis_failures_total counts each): {Error}",
                operation, e.Message);
    }

    public void Dispose() => Multiplexer.Dispose();
}
