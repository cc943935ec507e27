using System.Text.Json;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;
using FileInfo = Messenger.Features.Files.FileInfo;

namespace Messenger.Tests.Features.Files;

/// <summary>A service of its own on an s3rver of its own, which these tests stop and start.</summary>
public sealed class StorageDownTests : StorageTestBase
{
    private const string Bucket = "messenger-test";
    private S3rverProcess _storage = null!;
    private OwnService _service = null!;

    [OneTimeSetUp]
    public async Task StartStorageAndService()
    {
        _storage = new S3rverProcess();
        await _storage.StartAsync();
        _service = OwnService.On(_storage, Bucket);
    }

    [OneTimeTearDown]
    public async Task StopStorageAndService()
    {
        await _service.DisposeAsync();
        _storage.Dispose();
    }

    [SetUp]
    public Task StorageAnswers() => _storage.StartAsync();

    [Test]
    public async Task An_upload_is_unavailable_and_leaves_no_row()
    {
        var alice = _service.Client((await RegisterAsync("alice")).AccessToken);
        _storage.Stop();

        var response = await alice.PostAsync("/files/upload", FileForm(RandomBytes(2 * MiB)));

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero), "a 503 says when to try again");
        Assert.That(await CountAsync("files"), Is.Zero);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero, "no row dropped a reference");
        Assert.That(await CountAsync("pending_objects"), Is.EqualTo(1), "the key was recorded before the write was tried");
    }

    [Test]
    public async Task An_upload_storage_did_not_take_is_swept_once_storage_is_back_and_the_grace_period_has_passed()
    {
        var alice = _service.Client((await RegisterAsync("alice")).AccessToken);
        var orphans = _service.Service<OrphanObjects>();
        _storage.Stop();
        await AssertProblemAsync(await alice.PostAsync("/files/upload", FileForm(RandomBytes(100))), HttpStatusCode.ServiceUnavailable);
        await _storage.StartAsync();

        Assert.That(await orphans.SweepAsync(CancellationToken.None), Is.Zero, "within the grace period an upload may still finish");
        Assert.That(await CountAsync("pending_objects"), Is.EqualTo(1));
        await ExecuteAsync("UPDATE pending_objects SET created_at = created_at - INTERVAL 1 DAY");

        Assert.That(await orphans.SweepAsync(CancellationToken.None), Is.EqualTo(1));
        Assert.That(await CountAsync("pending_objects"), Is.Zero);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
    }

    [Test]
    public async Task A_download_is_unavailable_while_the_info_still_answers()
    {
        var alice = _service.Client((await RegisterAsync("alice")).AccessToken);
        var file = await UploadAsync(alice, RandomBytes(100));
        _storage.Stop();

        await AssertProblemAsync(await alice.GetAsync(file.Url), HttpStatusCode.ServiceUnavailable);
        Assert.That((await alice.GetAsync($"{file.Url}/info")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_replace_is_unavailable_and_the_old_content_stays()
    {
        var alice = _service.Client((await RegisterAsync("alice")).AccessToken);
        var bytes = RandomBytes(100);
        var file = await UploadAsync(alice, bytes);
        _storage.Stop();

        await AssertProblemAsync(await alice.PutAsync(file.Url, FileForm(RandomBytes(200))), HttpStatusCode.ServiceUnavailable);

        await _storage.StartAsync();
        Assert.That(await (await alice.GetAsync($"{file.Url}/info")).Content.ReadFromJsonAsync<FileInfo>(), Is.EqualTo(file));
        Assert.That(await (await alice.GetAsync(file.Url)).Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_delete_removes_the_row_at_once_and_the_sweeper_removes_the_object_once_storage_is_back()
    {
        var alice = _service.Client((await RegisterAsync("alice")).AccessToken);
        var file = await UploadAsync(alice, RandomBytes(100));
        var key = await ObjectKeyAsync(file.Id);
        var orphans = _service.Services.GetRequiredService<OrphanObjects>();
        _storage.Stop();

        Assert.That((await alice.DeleteAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await CountAsync("files"), Is.Zero);
        Assert.That(await QuerySingleAsync<string>("SELECT object_key FROM orphan_objects"), Is.EqualTo(key));
        Assert.ThrowsAsync<StorageUnavailableException>(() => orphans.SweepAsync(CancellationToken.None));
        Assert.That(await CountAsync("orphan_objects"), Is.EqualTo(1), "a refused removal stays recorded");

        await _storage.StartAsync();
        Assert.That(await ObjectExistsAsync(key, _service.Services), Is.True);
        Assert.That(await orphans.SweepAsync(CancellationToken.None), Is.EqualTo(1));

        Assert.That(await ObjectExistsAsync(key, _service.Services), Is.False);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
    }

    [Test]
    public async Task Ready_says_which_dependency_is_down()
    {
        using var anonymous = _service.Client(null);

        var up = await anonymous.GetAsync("/health/ready");
        _storage.Stop();
        var down = await anonymous.GetAsync("/health/ready");

        Assert.That(up.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(down.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var checks = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.That(checks.GetProperty("database").GetString(), Is.EqualTo("Healthy"));
        Assert.That(checks.GetProperty("storage").GetString(), Is.EqualTo("Unhealthy"));
    }

    [Test]
    public async Task The_service_starts_without_storage_and_makes_its_bucket_once_storage_answers()
    {
        _storage.Stop();
        await using var late = OwnService.On(_storage, "late-bucket");
        var alice = late.Client((await RegisterAsync("alice")).AccessToken);
        var bytes = RandomBytes(100);

        await AssertProblemAsync(await alice.PostAsync("/files/upload", FileForm(bytes)), HttpStatusCode.ServiceUnavailable);
        await _storage.StartAsync();
        var file = await UploadAsync(alice, bytes);

        Assert.That(await (await alice.GetAsync(file.Url)).Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_row_that_cannot_be_written_takes_its_new_object_with_it()
    {
        var alice = _service.Client((await RegisterAsync("alice")).AccessToken);
        var objectsBefore = _storage.ObjectFiles(Bucket);
        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();
        await new MySqlCommand(
            "CREATE TRIGGER refuse_files BEFORE INSERT ON files FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'",
            db).ExecuteNonQueryAsync();
        try
        {
            var response = await alice.PostAsync("/files/upload", FileForm(RandomBytes(2 * MiB)));

            await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        }
        finally
        {
            await new MySqlCommand("DROP TRIGGER refuse_files", db).ExecuteNonQueryAsync();
        }
        Assert.That(await CountAsync("files"), Is.Zero);
        Assert.That(_storage.ObjectFiles(Bucket), Is.EquivalentTo(objectsBefore), "the object written before the row failed is removed");
    }
}
