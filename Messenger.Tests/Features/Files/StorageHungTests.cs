using System.Diagnostics;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Storage;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Files;

/// <summary>
/// A service of its own whose store, behind a relay, can lock up: it accepts connections and
/// never answers. The service has a small connection pool, so holding a connection across a
/// storage call would show at once.
/// </summary>
public sealed class StorageHungTests : StorageTestBase
{
    private const string Bucket = "hung";
    private static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Room for the work around the storage call on a busy machine.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    private S3rverProcess _storage = null!;
    private StorageProxy _proxy = null!;
    private OwnService _service = null!;

    [OneTimeSetUp]
    public async Task StartStorageAndService()
    {
        _storage = new S3rverProcess();
        await _storage.StartAsync();
        _proxy = new StorageProxy(_storage.Endpoint);
        _service = new OwnService(settings =>
        {
            settings["ConnectionStrings:Messenger"] = ConnectionString + ";Maximum Pool Size=3";
            settings["Storage:Endpoint"] = _proxy.Endpoint;
            settings["Storage:Bucket"] = Bucket;
            settings["Storage:TimeoutSeconds"] = StorageTimeout.TotalSeconds.ToString();
        });
    }

    [OneTimeTearDown]
    public async Task StopStorageAndService()
    {
        await _service.DisposeAsync();
        await _proxy.DisposeAsync();
        _storage.Dispose();
    }

    [SetUp]
    public void StorageAnswers() => _proxy.Resume();

    [Test]
    public async Task An_upload_is_unavailable_within_the_storage_timeout_and_leaves_no_row()
    {
        var alice = _service.Client((await RegisterAsync("alice")).AccessToken);
        _proxy.Hang();

        var clock = Stopwatch.StartNew();
        var response = await alice.PostAsync("/files/upload", FileForm(RandomBytes(2 * MiB)));

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.That(clock.Elapsed, Is.LessThan(StorageTimeout + Slack));
        Assert.That(await CountAsync("files"), Is.Zero);
    }

    [Test]
    public async Task Database_only_calls_answer_at_once_while_deletes_uploads_and_sweeps_wait_on_the_store()
    {
        var (_, aliceClient) = await SignedInOwnAsync("alice");
        var files = new List<Messenger.Features.Files.FileInfo>();
        for (var i = 0; i < 6; i++)
            files.Add(await UploadAsync(aliceClient, RandomBytes(100)));
        var bob = _service.Client((await RegisterAsync("bob")).AccessToken);
        _proxy.Hang();

        // Twice the pool: each delete commits, then waits on storage.
        var clock = Stopwatch.StartNew();
        var deletes = files.Select(f => aliceClient.DeleteAsync(f.Url)).ToList();
        var uploads = Enumerable.Range(0, 2).Select(_ => bob.PostAsync("/files/upload", FileForm(RandomBytes(100)))).ToList();
        await OrphansRecordedAsync(files.Count);
        var orphans = _service.Service<OrphanObjects>();
        var sweeps = Enumerable.Range(0, 3).Select(_ => orphans.SweepAsync(CancellationToken.None)).ToList();

        for (var i = 0; i < 3; i++)
        {
            var call = Stopwatch.StartNew();
            var me = await aliceClient.GetAsync("/users/me");
            Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            // Far below the pool's wait for a free connection (15 s), which is what an exhausted pool would cost.
            Assert.That(call.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "a database-only call waited");
        }
        Assert.That(deletes.All(d => d.IsCompleted), Is.False, "the deletes were still waiting on the store meanwhile");

        foreach (var delete in deletes)
            Assert.That((await delete).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        foreach (var upload in uploads)
            await AssertProblemAsync(await upload, HttpStatusCode.ServiceUnavailable);
        foreach (var sweep in sweeps)
            Assert.ThrowsAsync<StorageUnavailableException>(() => sweep);
        Assert.That(clock.Elapsed, Is.LessThan(2 * StorageTimeout + Slack));
        Assert.That(await CountAsync("orphan_objects"), Is.EqualTo(files.Count), "left for the sweeper");
    }

    [Test]
    public async Task A_delete_answers_no_content_and_its_object_is_swept_once_storage_is_back()
    {
        var (_, alice) = await SignedInOwnAsync("alice");
        var file = await UploadAsync(alice, RandomBytes(100));
        var key = await ObjectKeyAsync(file.Id);
        _proxy.Hang();

        var clock = Stopwatch.StartNew();
        var response = await alice.DeleteAsync(file.Url);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(clock.Elapsed, Is.LessThan(StorageTimeout + Slack));
        Assert.That(await CountAsync("files"), Is.Zero);
        _proxy.Resume();
        Assert.That(await ObjectExistsAsync(key, _service.Services), Is.True, "the store never heard of the delete");

        Assert.That(await _service.Service<OrphanObjects>().SweepAsync(CancellationToken.None), Is.EqualTo(1));
        Assert.That(await ObjectExistsAsync(key, _service.Services), Is.False);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
    }

    private async Task<(long Id, HttpClient Client)> SignedInOwnAsync(string username)
    {
        var auth = await RegisterAsync(username);
        return (auth.User.Id, _service.Client(auth.AccessToken));
    }

    /// <summary>Waits until that many deletes have committed (and so moved on to the store).</summary>
    private static async Task OrphansRecordedAsync(long count)
    {
        for (var attempt = 0; attempt < 100 && await CountAsync("orphan_objects") < count; attempt++)
            await Task.Delay(50);
        Assert.That(await CountAsync("orphan_objects"), Is.EqualTo(count), "deletes committed");
    }
}
