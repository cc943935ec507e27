using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Storage;
using MySqlConnector;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

public sealed class OrphanObjectsTests : StorageTestBase
{
    [Test]
    public async Task An_object_whose_row_was_never_written_is_swept_once_its_grace_period_has_passed()
    {
        var orphans = Service<OrphanObjects>();
        var key = NewKey();
        // What an upload does before it writes its row; the process dies here.
        await orphans.PutNewAsync(key, new MemoryStream([1, 2, 3]), "application/octet-stream", CancellationToken.None);

        Assert.That(await orphans.SweepAsync(CancellationToken.None), Is.Zero, "within the grace period the upload may still finish");
        Assert.That(await ObjectExistsAsync(key), Is.True);
        await ExecuteAsync("UPDATE pending_objects SET created_at = created_at - INTERVAL 1 DAY");

        Assert.That(await orphans.SweepAsync(CancellationToken.None), Is.EqualTo(1));
        Assert.That(await ObjectExistsAsync(key), Is.False);
        Assert.That(await CountAsync("pending_objects"), Is.Zero);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
    }

    [Test]
    public async Task A_row_cannot_claim_an_object_the_sweeper_has_taken()
    {
        var orphans = Service<OrphanObjects>();
        var key = NewKey();
        await orphans.PutNewAsync(key, new MemoryStream([1, 2, 3]), "application/octet-stream", CancellationToken.None);
        await ExecuteAsync("UPDATE pending_objects SET created_at = created_at - INTERVAL 1 DAY");
        await orphans.SweepAsync(CancellationToken.None);

        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        Assert.ThrowsAsync<StorageUnavailableException>(() => OrphanObjects.ClaimAsync(connection, transaction, key, CancellationToken.None));
    }

    [Test]
    public async Task A_claimed_object_is_never_swept()
    {
        var orphans = Service<OrphanObjects>();
        var key = NewKey();
        await orphans.PutNewAsync(key, new MemoryStream([1, 2, 3]), "application/octet-stream", CancellationToken.None);
        await using (var connection = new MySqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await OrphanObjects.ClaimAsync(connection, transaction, key, CancellationToken.None);
            await transaction.CommitAsync();
        }
        await ExecuteAsync("UPDATE pending_objects SET created_at = created_at - INTERVAL 1 DAY");

        Assert.That(await orphans.SweepAsync(CancellationToken.None), Is.Zero);
        Assert.That(await ObjectExistsAsync(key), Is.True);
        await Service<ObjectStorage>().RemoveAsync(key, CancellationToken.None);
    }

    private static string NewKey() => "files/" + Guid.NewGuid().ToString("N");
}
