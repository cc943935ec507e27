using Messenger.Features.Users;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;
using FileInfo = Messenger.Features.Files.FileInfo;

namespace Messenger.Tests.Features.Files;

public sealed class ReplaceFileTests : StorageTestBase
{
    private const string OwnBucket = "replacements";

    // A store whose directory the tests can read.
    private S3rverProcess _storage = null!;
    private OwnService _own = null!;

    [OneTimeSetUp]
    public async Task StartOwnStorageAndService()
    {
        _storage = new S3rverProcess();
        await _storage.StartAsync();
        _own = OwnService.On(_storage, OwnBucket);
    }

    [OneTimeTearDown]
    public async Task StopOwnStorageAndService()
    {
        await _own.DisposeAsync();
        _storage.Dispose();
    }

    [Test]
    public async Task Replacing_changes_content_name_size_and_etag_and_removes_the_old_object()
    {
        var (_, alice) = await SignedInAsync("alice");
        var original = await UploadAsync(alice, RandomBytes(1000), "v1.bin");
        var oldKey = await ObjectKeyAsync(original.Id);
        var oldEtag = (await alice.GetAsync(original.Url)).Headers.ETag!.Tag;
        var replacement = RandomBytes(2 * MiB);

        var response = await alice.PutAsync(original.Url, FileForm(replacement, "v2.txt", "text/plain"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var replaced = (await response.Content.ReadFromJsonAsync<FileInfo>())!;
        Assert.That(replaced, Is.EqualTo(original with
        {
            FileName = "v2.txt", ContentType = "text/plain", Size = replacement.Length, UpdatedAt = replaced.UpdatedAt,
        }));
        Assert.That(replaced.UpdatedAt, Is.GreaterThanOrEqualTo(original.UpdatedAt));
        var download = await alice.GetAsync(original.Url);
        Assert.That(download.Headers.ETag!.Tag, Is.Not.EqualTo(oldEtag));
        Assert.That(await download.Content.ReadAsByteArrayAsync(), Is.EqualTo(replacement));
        Assert.That(await ObjectExistsAsync(oldKey), Is.False, "the old object is removed");
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
        Assert.That(await CountAsync("pending_objects"), Is.Zero, "the row claimed the new object");
    }

    [Test]
    public async Task The_same_bytes_again_still_get_a_new_etag()
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(100);
        var file = await UploadAsync(alice, bytes);
        var oldEtag = (await alice.GetAsync(file.Url)).Headers.ETag!.Tag;

        await alice.PutAsync(file.Url, FileForm(bytes));

        var request = new HttpRequestMessage(HttpMethod.Get, file.Url) { Headers = { { "If-None-Match", oldEtag } } };
        var response = await alice.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a cached copy under the old ETag is stale");
        Assert.That(response.Headers.ETag!.Tag, Is.Not.EqualTo(oldEtag));
    }

    [Test]
    public async Task A_stranger_gets_not_found_and_the_file_stays()
    {
        var (_, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var bytes = RandomBytes(100);
        var file = await UploadAsync(alice, bytes);

        await AssertProblemAsync(await bob.PutAsync(file.Url, FileForm([9, 9, 9])), HttpStatusCode.NotFound);

        Assert.That(await (await alice.GetAsync(file.Url)).Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_reader_who_is_not_the_owner_is_forbidden()
    {
        var (_, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var me = await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>();

        await AssertProblemAsync(await bob.PutAsync(me!.AvatarUrl, FileForm(RandomBytes(100, PngHeader))), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task The_owner_changes_an_avatar_through_the_avatar_call_instead()
    {
        var (_, alice) = await SignedInAsync("alice");
        var me = await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>();

        // Otherwise an avatar could become something other than an image.
        await AssertProblemAsync(await alice.PutAsync(me!.AvatarUrl, FileForm([1, 2, 3])), HttpStatusCode.Conflict);
    }

    [Test]
    public async Task A_replacement_over_the_limit_leaves_the_file_as_it_was()
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(100);
        var file = await UploadAsync(alice, bytes);

        var response = await alice.PutAsync(file.Url, ChunkedFileForm(RandomBytes(25 * MiB + 1)));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await (await alice.GetAsync($"{file.Url}/info")).Content.ReadFromJsonAsync<FileInfo>(), Is.EqualTo(file));
        Assert.That(await (await alice.GetAsync(file.Url)).Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [TestCase(false, TestName = "A replacement over the limit with a declared length leaves nothing new in the store")]
    [TestCase(true, TestName = "A chunked replacement over the limit leaves nothing new in the store")]
    public async Task A_replacement_over_the_limit_leaves_no_object_and_no_unfinished_multipart_upload(bool chunked)
    {
        var alice = _own.Client((await RegisterAsync("alice")).AccessToken);
        var file = await UploadAsync(alice, RandomBytes(100));
        var objectsBefore = _storage.ObjectFiles(OwnBucket);
        var bytes = RandomBytes(25 * MiB + 1);

        var response = await alice.PutAsync(file.Url, chunked ? ChunkedFileForm(bytes) : FileForm(bytes));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(_storage.InProgressUploads(OwnBucket), Is.Empty, "no multipart upload was begun");
        Assert.That(_storage.ObjectFiles(OwnBucket), Is.EquivalentTo(objectsBefore), "only the original object");
        Assert.That(await CountAsync("pending_objects"), Is.Zero);
    }

    [Test]
    public async Task An_empty_replacement_is_refused()
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, [1, 2, 3]);

        await AssertProblemAsync(await alice.PutAsync(file.Url, FileForm([])), HttpStatusCode.BadRequest, "file");
    }

    [Test]
    public async Task Past_the_uploads_rate_limit_replacing_is_429_with_retry_after()
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, RandomBytes(10));

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Uploads>(() =>
            alice.PutAsync(file.Url, FileForm(RandomBytes(10))),
            spentByArrangement: 1);
    }
}
