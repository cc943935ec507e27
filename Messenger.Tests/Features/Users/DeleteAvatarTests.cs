using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Users;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class DeleteAvatarTests : StorageTestBase
{
    [Test]
    public async Task Removing_the_avatar_deletes_its_file_and_object()
    {
        var (_, alice) = await SignedInAsync("alice");
        var me = (await (await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>())!;
        var key = await ObjectKeyAsync(long.Parse(me.AvatarUrl!.Split('/')[^1]));

        var response = await alice.DeleteAsync("/users/me/avatar");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await alice.GetFromJsonAsync<MeProfile>("/users/me"))!.AvatarUrl, Is.Null);
        Assert.That(await CountAsync("files"), Is.Zero);
        Assert.That(await ObjectExistsAsync(key), Is.False);
        Assert.That(await CountAsync("orphan_objects"), Is.Zero);
    }

    [Test]
    public async Task Without_an_avatar_it_is_still_no_content()
    {
        var (_, alice) = await SignedInAsync("alice");

        Assert.That((await alice.DeleteAsync("/users/me/avatar")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Other_files_of_the_user_stay()
    {
        var (_, alice) = await SignedInAsync("alice");
        var other = await UploadAsync(alice, [1, 2, 3]);
        await alice.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader)));

        await alice.DeleteAsync("/users/me/avatar");

        Assert.That(await QuerySingleAsync<long>("SELECT id FROM files"), Is.EqualTo(other.Id));
    }

    [Test]
    public async Task An_avatar_sent_in_a_message_stays_on_the_message_as_an_ordinary_file()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        using var aliceHttp = CreateClient(alice.AccessToken);
        using var bobHttp = CreateClient(bob.AccessToken);
        var me = (await (await aliceHttp.PutAsync("/users/me/avatar", FileForm(RandomBytes(100, PngHeader))))
            .Content.ReadFromJsonAsync<MeProfile>())!;
        var fileId = long.Parse(me.AvatarUrl!.Split('/')[^1]);
        var message = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "my picture", [fileId], null));

        Assert.That((await aliceHttp.DeleteAsync("/users/me/avatar")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        Assert.That((await aliceHttp.GetFromJsonAsync<MeProfile>("/users/me"))!.AvatarUrl, Is.Null);
        Assert.That(await ObjectExistsAsync(await ObjectKeyAsync(fileId)), Is.True);
        var page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, null, 50));
        Assert.That(page.Items.Single().Attachments.Select(a => a.Id), Is.EqualTo(new[] { fileId }));
        Assert.That(page.Version, Is.EqualTo(message.Version), "the message did not change");
        Assert.That((await bobHttp.GetAsync(me.AvatarUrl)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "readable through the message");
        Assert.That((await aliceHttp.DeleteAsync(me.AvatarUrl)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "the owner may still delete it");
    }
}
