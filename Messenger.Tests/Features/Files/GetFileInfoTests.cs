using Messenger.Features.Users;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;
using FileInfo = Messenger.Features.Files.FileInfo;

namespace Messenger.Tests.Features.Files;

public sealed class GetFileInfoTests : StorageTestBase
{
    [Test]
    public async Task The_owner_gets_the_file_info()
    {
        var (_, alice) = await SignedInAsync("alice");
        var uploaded = await UploadAsync(alice, [1, 2, 3], "a.txt", "text/plain");

        var response = await alice.GetAsync($"/files/{uploaded.Id}/info");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadFromJsonAsync<FileInfo>(), Is.EqualTo(uploaded));
        var json = await response.Content.ReadAsStringAsync();
        Assert.That(json, Does.Match("\"createdAt\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\""));
    }

    [Test]
    public async Task A_stranger_gets_not_found()
    {
        var (_, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var uploaded = await UploadAsync(alice, [1, 2, 3]);

        await AssertProblemAsync(await bob.GetAsync($"/files/{uploaded.Id}/info"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await alice.GetAsync($"/files/{uploaded.Id + 1000}/info"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Any_signed_in_user_gets_an_avatars_info()
    {
        var (aliceId, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var me = await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader), "me.png")))
            .Content.ReadFromJsonAsync<MeProfile>();

        var response = await bob.GetAsync($"{me!.AvatarUrl}/info");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var info = (await response.Content.ReadFromJsonAsync<FileInfo>())!;
        Assert.That(info.OwnerId, Is.EqualTo(aliceId));
        Assert.That(info.Url, Is.EqualTo(me.AvatarUrl));
    }
}
