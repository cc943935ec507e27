using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Redis;
using Messenger.Infrastructure.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace Messenger.Infrastructure.Api;

public static class HealthSetup
{
    private const string Ready = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ReadinessDatabase>();
        var checks = services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<StorageHealthCheck>("storage", tags: [Ready], timeout: TimeSpan.FromSeconds(10));
        if (configuration.RedisOptions().Enabled)
            checks.AddCheck<RedisHealthCheck>("redis", tags: [Ready], timeout: TimeSpan.FromSeconds(5));
        return services;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteReport,
        }).AllowAnonymous();
        return app;
    }

    /// <summary>Says which dependency is down: {"status":"Unhealthy","checks":{"database":"Healthy","storage":"Unhealthy"}}.</summary>
    private static Task WriteReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
        });
    }

    /// <summary>
    /// Readiness asks whether the database answers, not whether the requests' pool has a connection
    /// free: a drained pool is overload, which the per-user cap sheds, and a load balancer reading it
    /// as "down" would take every instance out at once. So the check has a pool of its own, one connection.
    /// </summary>
    private sealed class ReadinessDatabase(MySqlDataSource db) : IDisposable
    {
        public MySqlDataSource Pool { get; } = new(new MySqlConnectionStringBuilder(db.ConnectionString)
        {
            MinimumPoolSize = 0,
            MaximumPoolSize = 1,
            ConnectionTimeout = 5,
        }.ConnectionString);

        public void Dispose() => Pool.Dispose();
    }

    private sealed class DatabaseHealthCheck(ReadinessDatabase db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var connection = await db.Pool.OpenConnectionAsync(cancellationToken);
                return await connection.PingAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no ping");
            }
            catch (MySqlException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }

    /// <summary>With several instances, one that cannot reach Redis delivers nothing to the others' users.</summary>
    private sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await redis.Database.PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (RedisConnection.IsOutage(e))
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }

    private sealed class StorageHealthCheck(ObjectStorage storage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return await storage.BucketExistsAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no bucket");
            }
            catch (StorageUnavailableException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }
}
