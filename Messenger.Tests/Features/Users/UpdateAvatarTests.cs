using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Users;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;
using UserProfile = Messenger.Features.Users.GetUser.GetUser.UserProfile;

namespace Messenger.Tests.Features.Users;

public sealed class UpdateAvatarTests : StorageTestBase
{
    private const string OwnBucket = "avatars";

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

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F'];
    private static readonly byte[] Gif = "GIF89a"u8.ToArray();
    private static readonly byte[] WebP = "RIFF\x24\0\0\0WEBPVP8 "u8.ToArray();

    private static IEnumerable<TestCaseData> Images()
    {
        yield return new TestCaseData(PngHeader, "image/png").SetName("PNG");
        yield return new TestCaseData(Jpeg, "image/jpeg").SetName("JPEG");
        yield return new TestCaseData(Gif, "image/gif").SetName("GIF");
        yield return new TestCaseData("GIF87a"u8.ToArray(), "image/gif").SetName("GIF87a");
        yield return new TestCaseData(WebP, "image/webp").SetName("WebP");
    }

    [TestCaseSource(nameof(Images))]
    public async Task The_type_is_judged_from_the_bytes_whatever_was_declared(byte[] signature, string contentType)
    {
        var (aliceId, alice) = await SignedInAsync("alice");
        var image = RandomBytes(2000, signature);

        var response = await alice.PutAsync("/users/me/avatar", FileForm(image, "me.bin", "application/octet-stream"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var me = (await response.Content.ReadFromJsonAsync<MeProfile>())!;
        var fileId = await QuerySingleAsync<long>("SELECT avatar_file_id FROM users WHERE id = @Id", new { Id = aliceId });
        Assert.That(me.AvatarUrl, Is.EqualTo($"/files/{fileId}"));
        var download = await alice.GetAsync(me.AvatarUrl);
        Assert.That(download.Content.Headers.ContentType?.MediaType, Is.EqualTo(contentType));
        Assert.That(await download.Content.ReadAsByteArrayAsync(), Is.EqualTo(image));
    }

    [Test]
    public async Task Anything_else_is_an_unsupported_media_type_even_when_declared_as_an_image()
    {
        var (_, alice) = await SignedInAsync("alice");

        var response = await alice.PutAsync("/users/me/avatar", FileForm("<svg onload=alert(1)>"u8.ToArray(), "me.png", "image/png"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.That(await CountAsync("files"), Is.Zero);
        Assert.That((await alice.GetFromJsonAsync<MeProfile>("/users/me"))!.AvatarUrl, Is.Null);
    }

    [Test]
    public async Task Five_mebibytes_are_accepted_and_one_byte_more_is_too_large()
    {
        var (_, alice) = await SignedInAsync("alice");

        var atLimit = await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(5 * MiB, PngHeader)));
        var over = await alice.PutAsync("/users/me/avatar", ChunkedFileForm(RandomBytes(5 * MiB + 1, PngHeader)));

        Assert.That(atLimit.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertProblemAsync(over, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await CountAsync("files"), Is.EqualTo(1), "the accepted avatar stays");
    }

    [TestCase(false, TestName = "An avatar over the limit with a declared length leaves nothing in the store")]
    [TestCase(true, TestName = "A chunked avatar over the limit leaves nothing in the store")]
    public async Task An_avatar_over_the_limit_leaves_no_object_and_no_unfinished_multipart_upload(bool chunked)
    {
        var alice = _own.Client((await RegisterAsync("alice")).AccessToken);
        var bytes = RandomBytes(5 * MiB + 1, PngHeader);

        var response = await alice.PutAsync("/users/me/avatar", chunked ? ChunkedFileForm(bytes) : FileForm(bytes));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(_storage.InProgressUploads(OwnBucket), Is.Empty, "no multipart upload was begun");
        Assert.That(_storage.ObjectFiles(OwnBucket), Is.Empty);
        Assert.That(await CountAsync("pending_objects"), Is.Zero);
    }

    [Test]
    public async Task A_new_avatar_deletes_the_previous_file()
    {
        var (_, alice) = await SignedInAsync("alice");
        var first = (await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>())!;
        var firstKey = await ObjectKeyAsync(long.Parse(first.AvatarUrl!.Split('/')[^1]));

        var second = (await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, Gif))))
            .Content.ReadFromJsonAsync<MeProfile>())!;

        Assert.That(second.AvatarUrl, Is.Not.EqualTo(first.AvatarUrl));
        Assert.That(await CountAsync("files"), Is.EqualTo(1));
        Assert.That(await ObjectExistsAsync(firstKey), Is.False);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
        Assert.That(await CountAsync("pending_objects"), Is.Zero, "each row claimed its object");
        await AssertProblemAsync(await alice.GetAsync(first.AvatarUrl), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_previous_avatar_sent_in_a_message_stays_on_the_message_as_an_ordinary_file()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        using var aliceHttp = CreateClient(alice.AccessToken);
        using var bobHttp = CreateClient(bob.AccessToken);
        var first = (await (await aliceHttp.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>())!;
        var fileId = long.Parse(first.AvatarUrl!.Split('/')[^1]);
        var message = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "my picture", [fileId], null));

        var second = (await (await aliceHttp.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, Gif))))
            .Content.ReadFromJsonAsync<MeProfile>())!;

        Assert.That(second.AvatarUrl, Is.Not.EqualTo(first.AvatarUrl));
        Assert.That(await CountAsync("files"), Is.EqualTo(2));
        Assert.That(await ObjectExistsAsync(await ObjectKeyAsync(fileId)), Is.True);
        var page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, null, 50));
        Assert.That(page.Items.Single().Attachments.Select(a => a.Id), Is.EqualTo(new[] { fileId }));
        Assert.That(page.Version, Is.EqualTo(message.Version), "the message did not change");
        Assert.That((await bobHttp.GetAsync(first.AvatarUrl)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "readable through the message");
    }

    [Test]
    public async Task The_avatar_url_shows_in_every_user_shape()
    {
        var (aliceId, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var url = (await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>())!.AvatarUrl;

        Assert.That(url, Does.Match(@"^/files/\d+$"));
        Assert.That((await alice.GetFromJsonAsync<MeProfile>("/users/me"))!.AvatarUrl, Is.EqualTo(url));
        Assert.That((await bob.GetFromJsonAsync<UserProfile>($"/users/{aliceId}"))!.AvatarUrl, Is.EqualTo(url));
        Assert.That((await bob.GetFromJsonAsync<UserSummary[]>("/users?query=ali"))!.Single().AvatarUrl, Is.EqualTo(url));
        Assert.That((await alice.GetFromJsonAsync<UserSummary[]>("/users?query=bob"))!.Single().AvatarUrl, Is.Null);
    }

    [Test]
    public async Task Not_multipart_is_an_unsupported_media_type()
    {
        var (_, alice) = await SignedInAsync("alice");

        var content = new ByteArrayContent(PngHeader);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");

        await AssertProblemAsync(await alice.PutAsync("/users/me/avatar", content), HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task Avatar_changes_and_profile_updates_at_once_all_succeed_and_leave_one_avatar()
    {
        var (aliceId, alice) = await SignedInAsync("alice");

        // As many avatar changes as one user may have in progress (Files:MaxConcurrentUploadsPerUser).
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(500, PngHeader), $"me{i}.png", "image/png")),
            alice.PatchAsJsonAsync("/users/me", new { bio = $"bio {i}" }),
        }));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await CountAsync("files"), Is.EqualTo(1), "each new avatar replaced the one before");
        Assert.That(await QuerySingleAsync<long>("SELECT avatar_file_id FROM users WHERE id = @Id", new { Id = aliceId }),
            Is.EqualTo(await QuerySingleAsync<long>("SELECT id FROM files")));
    }

    [Test]
    public async Task Past_the_uploads_rate_limit_setting_an_avatar_is_429_with_retry_after()
    {
        var (_, alice) = await SignedInAsync("alice");

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Uploads>(() =>
            alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader), "me.png", "image/png")));
    }
}
