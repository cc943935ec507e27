using Dapper;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Messenger.Infrastructure.Storage;

/// <summary>
/// Objects no row references any more. The transaction that drops the last reference records the
/// key; after commit the object is removed and the record cleared. Whatever storage refused stays
/// recorded for the sweeper, so a crash or an outage delays a removal but never loses it.
/// </summary>
public sealed class OrphanObjects(MySqlDataSource db, ObjectStorage storage, TimeProvider time, ILogger<OrphanObjects> logger)
{
    private const int SweepBatch = 100;

    private const string RecordSql = "INSERT INTO orphan_objects (object_key, created_at) VALUES (@Key, @Now)";

    private const string ClearSql = "DELETE FROM orphan_objects WHERE object_key = @Key";

    private const string OldestSql = "SELECT object_key FROM orphan_objects ORDER BY created_at LIMIT @Limit";

    /// <summary>Inside the transaction that drops the key's row (or switches the row to a new key).</summary>
    public static Task RecordAsync(MySqlConnection connection, MySqlTransaction transaction, string key, DateTime now,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(RecordSql, new { Key = key, Now = now }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// After that transaction committed. Never fails the caller, whose change is already done;
    /// runs to the end even if the client has gone.
    /// </summary>
    public async Task RemoveAsync(string key)
    {
        try
        {
            await storage.RemoveAsync(key, CancellationToken.None);
            await using var connection = await db.OpenConnectionAsync();
            await connection.ExecuteAsync(ClearSql, new { Key = key });
        }
        catch (Exception e) when (e is StorageUnavailableException or MySqlException)
        {
            logger.LogWarning("Object {Key} is left for the sweeper: {Reason}", key, e.Message);
        }
    }

    /// <summary>After a failed write: the new object never got a row, so it goes now or is recorded for the sweeper.</summary>
    public async Task DiscardAsync(string key)
    {
        try
        {
            await storage.RemoveAsync(key, CancellationToken.None);
        }
        catch (StorageUnavailableException)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync();
                await connection.ExecuteAsync(RecordSql, new { Key = key, Now = time.UtcNowMs() });
            }
            catch (MySqlException e)
            {
                logger.LogError(e, "Object {Key} has no row and could not be recorded for removal", key);
            }
        }
    }

    /// <summary>One pass: removes the oldest recorded objects, stopping at the first refusal.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var keys = await connection.QueryAsync<string>(new CommandDefinition(OldestSql, new { Limit = SweepBatch },
            cancellationToken: cancellationToken));
        var removed = 0;
        foreach (var key in keys)
        {
            await storage.RemoveAsync(key, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(ClearSql, new { Key = key }, cancellationToken: cancellationToken));
            removed++;
        }
        return removed;
    }
}

/// <summary>Retries the removals storage refused, every Storage:SweepIntervalSeconds.</summary>
public sealed class OrphanSweeper(OrphanObjects orphans, IOptions<StorageOptions> options, ILogger<OrphanSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = await orphans.SweepAsync(stoppingToken);
                if (removed > 0)
                    logger.LogInformation("Swept {Count} orphan objects", removed);
            }
            catch (Exception e) when (e is StorageUnavailableException or MySqlException)
            {
                logger.LogWarning("Orphan sweep stopped early: {Reason}", e.Message);
            }
        }
    }
}
