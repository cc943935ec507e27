using Dapper;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Messenger.Infrastructure.Storage;

/// <summary>
/// Objects no row needs, found through two records in the database, so that a crash or an outage
/// delays a removal but never loses it. A new object's key is recorded as pending before it is
/// written, and the transaction that writes its row claims it; a key left pending past
/// Storage:PendingGraceSeconds belongs to an upload that died, and becomes an orphan. An orphan
/// is a key no row references any more, recorded by the transaction that dropped the reference;
/// after commit its object is removed and the record cleared, and what storage refused stays for
/// the sweeper. No database connection is held while storage is asked anything.
/// </summary>
public sealed class OrphanObjects(
    MySqlDataSource db, ObjectStorage storage, TimeProvider time, IOptions<StorageOptions> options, ILogger<OrphanObjects> logger)
{
    private const int SweepBatch = 100;

    private const string RecordPendingSql = "INSERT INTO pending_objects (object_key, created_at) VALUES (@Key, @Now)";

    private const string ClaimSql = "DELETE FROM pending_objects WHERE object_key = @Key";

    // Locking read: a key whose upload is committing right now waits here, and is gone once it has.
    private const string AbandonedSql = """
        SELECT object_key FROM pending_objects WHERE created_at < @Cutoff ORDER BY created_at LIMIT @Limit FOR UPDATE
        """;

    private const string RecordSql = "INSERT INTO orphan_objects (object_key, created_at) VALUES (@Key, @Now)";

    private const string ClearSql = "DELETE FROM orphan_objects WHERE object_key = @Key";

    private const string OldestSql = "SELECT object_key FROM orphan_objects ORDER BY created_at LIMIT @Limit";

    private readonly TimeSpan _grace = TimeSpan.FromSeconds(options.Value.PendingGraceSeconds);

    /// <summary>
    /// Writes the seekable <paramref name="content"/> to a new object under <paramref name="key"/>,
    /// recorded as pending first. When the store fails to answer the record stays (it may have
    /// written all the same) and the sweeper removes the object later; any other failure, the
    /// caller's cancellation included, discards the object at once.
    /// </summary>
    public async Task PutNewAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            await connection.ExecuteAsync(new CommandDefinition(RecordPendingSql, new { Key = key, Now = time.UtcNowMs() },
                cancellationToken: cancellationToken));
        try
        {
            await storage.PutAsync(key, content, contentType, cancellationToken);
        }
        catch (Exception e) when (e is not StorageUnavailableException)
        {
            await DiscardAsync(key);
            throw;
        }
    }

    /// <summary>
    /// Inside the transaction that writes the new object's row. Refused (503) when the sweeper
    /// has already taken the key as abandoned: the object is on its way out.
    /// </summary>
    public static async Task ClaimAsync(MySqlConnection connection, MySqlTransaction transaction, string key,
        CancellationToken cancellationToken)
    {
        if (await connection.ExecuteAsync(new CommandDefinition(ClaimSql, new { Key = key }, transaction,
                cancellationToken: cancellationToken)) == 0)
            throw new StorageUnavailableException();
    }

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
            await ClearAsync(key, CancellationToken.None);
        }
        catch (Exception e) when (e is StorageUnavailableException or MySqlException)
        {
            logger.LogWarning("Object {Key} is left for the sweeper: {Reason}", key, e.Message);
        }
    }

    /// <summary>
    /// After a write whose row was never committed: the object goes now, and its pending record
    /// with it. Whatever fails stays pending, for the sweeper once the grace period has passed.
    /// </summary>
    public async Task DiscardAsync(string key)
    {
        try
        {
            await storage.RemoveAsync(key, CancellationToken.None);
            await using var connection = await db.OpenConnectionAsync();
            await connection.ExecuteAsync(ClaimSql, new { Key = key });
        }
        catch (Exception e) when (e is StorageUnavailableException or MySqlException)
        {
            logger.LogWarning("Object {Key} has no row and is left for the sweeper: {Reason}", key, e.Message);
        }
    }

    /// <summary>
    /// One pass: pending keys past their grace period become orphans, then the oldest orphans are
    /// removed, stopping at the first refusal. Returns how many objects were removed.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        List<string> keys;
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        {
            await AbandonExpiredAsync(connection, cancellationToken);
            keys = (await connection.QueryAsync<string>(new CommandDefinition(OldestSql, new { Limit = SweepBatch },
                cancellationToken: cancellationToken))).AsList();
        }
        var removed = 0;
        foreach (var key in keys)
        {
            await storage.RemoveAsync(key, cancellationToken);
            await ClearAsync(key, cancellationToken);
            removed++;
        }
        return removed;
    }

    private async Task AbandonExpiredAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        var now = time.UtcNowMs();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var keys = (await connection.QueryAsync<string>(new CommandDefinition(AbandonedSql,
            new { Cutoff = now - _grace, Limit = SweepBatch }, transaction, cancellationToken: cancellationToken))).AsList();
        foreach (var key in keys)
        {
            await RecordAsync(connection, transaction, key, now, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(ClaimSql, new { Key = key }, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task ClearAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ClearSql, new { Key = key }, cancellationToken: cancellationToken));
    }
}

/// <summary>Removes the objects no row needs, every Storage:SweepIntervalSeconds.</summary>
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
