using Messenger.Features.Users;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Files;

public sealed class DeleteFileTests : StorageTestBase
{
    [Test]
    public async Task The_owner_deletes_the_row_and_the_object()
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, RandomBytes(100));
        var key = await ObjectKeyAsync(file.Id);

        var response = await alice.DeleteAsync(file.Url);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await CountAsync("files"), Is.Zero);
        Assert.That(await ObjectExistsAsync(key), Is.False);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
        await AssertProblemAsync(await alice.GetAsync(file.Url), HttpStatusCode.NotFound);
        await AssertProblemAsync(await alice.DeleteAsync(file.Url), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_stranger_gets_not_found_and_the_file_stays()
    {
        var (_, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var file = await UploadAsync(alice, RandomBytes(100));

        await AssertProblemAsync(await bob.DeleteAsync(file.Url), HttpStatusCode.NotFound);

        Assert.That(await CountAsync("files"), Is.EqualTo(1));
        Assert.That(await ObjectExistsAsync(await ObjectKeyAsync(file.Id)), Is.True);
    }

    [Test]
    public async Task A_reader_who_is_not_the_owner_is_forbidden()
    {
        var (_, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var me = await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>();

        await AssertProblemAsync(await bob.DeleteAsync(me!.AvatarUrl), HttpStatusCode.Forbidden);

        Assert.That(await CountAsync("files"), Is.EqualTo(1));
    }

    [Test]
    public async Task Deleting_an_avatars_file_clears_the_avatar()
    {
        var (_, alice) = await SignedInAsync("alice");
        var me = await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>();

        Assert.That((await alice.DeleteAsync(me!.AvatarUrl)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        Assert.That((await alice.GetFromJsonAsync<MeProfile>("/users/me"))!.AvatarUrl, Is.Null);
    }

    [Test]
    public async Task A_deleted_file_leaves_the_messages_it_was_attached_to()
    {
        var (aliceId, alice) = await SignedInAsync("alice");
        var (bobId, bob) = await SignedInAsync("bob");
        var request = await SendAsync(new Messenger.Features.Friends.SendFriendRequest.SendFriendRequest.Command(aliceId, bobId));
        await SendAsync(new Messenger.Features.Friends.RespondToFriendRequest.RespondToFriendRequest.Command(bobId, request.Id, true));
        var file = await UploadAsync(alice, RandomBytes(100));
        var kept = await UploadAsync(alice, RandomBytes(100));
        var message = await SendAsync(new Messenger.Features.Messages.SendDirectMessage.SendDirectMessage.Command(
            aliceId, bobId, "two files", [file.Id, kept.Id], null));

        await alice.DeleteAsync(file.Url);

        var page = await SendAsync(new Messenger.Features.Messages.ListDirectMessages.ListDirectMessages.Query(bobId, aliceId, null, null, null, 50));
        Assert.That(page.Items.Single().Id, Is.EqualTo(message.Id), "the message stays");
        Assert.That(page.Items.Single().Attachments.Select(a => a.Id), Is.EqualTo(new[] { kept.Id }));
        Assert.That((await bob.GetAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
