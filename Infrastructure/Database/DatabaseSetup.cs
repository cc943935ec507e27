using Dapper;
using MySqlConnector;

namespace Messenger.Infrastructure.Database;

public static class DatabaseSetup
{
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var connectionString = configuration.GetConnectionString("Messenger")
            ?? throw new InvalidOperationException("ConnectionStrings:Messenger is not configured.");
        // Every DATETIME column holds UTC; reading it back as Kind=Utc keeps serialisation honest.
        // No reset on every open: it costs a round trip and a SET NAMES each time, and nothing here
        // leaves session state behind (transactions end in commit or rollback before the
        // connection goes back; no session variables or temporary tables are used).
        var builder = new MySqlConnectionStringBuilder(connectionString) { DateTimeKind = MySqlDateTimeKind.Utc, ConnectionReset = false };
        services.AddSingleton(new MySqlDataSource(builder.ConnectionString));
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static WebApplication MigrateDatabase(this WebApplication app)
    {
        var dataSource = app.Services.GetRequiredService<MySqlDataSource>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Migrations");
        MySqlMigrations.Apply(dataSource.ConnectionString, logger);
        return app;
    }

    /// <summary>The database stores milliseconds; the API promises exactly three fractional digits.</summary>
    public static DateTime UtcNowMs(this TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }

    public static bool IsDuplicateKey(this MySqlException e) => e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry;

    public static bool IsDeadlock(this MySqlException e) => e.ErrorCode == MySqlErrorCode.LockDeadlock;
}
