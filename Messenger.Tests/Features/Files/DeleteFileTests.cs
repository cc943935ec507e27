using Messenger.Features.Messages;
using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.ListRoomMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.JoinRoom;
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

    [Test]
    public async Task Deleting_a_file_gives_its_message_the_next_version_and_announces_it_without_the_file()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        using var aliceHttp = CreateClient(alice.AccessToken);
        var file = await UploadAsync(aliceHttp, RandomBytes(100));
        var kept = await UploadAsync(aliceHttp, RandomBytes(100));
        var message = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "two files", [file.Id, kept.Id], null));
        var later = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "later", null, null));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        Assert.That((await aliceHttp.DeleteAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var edited = await bobTab.NextAsync<Message>("MessageEdited");
        Assert.That(edited.Id, Is.EqualTo(message.Id));
        Assert.That(edited.Version, Is.EqualTo(later.Version + 1));
        Assert.That(edited.Attachments.Select(a => a.Id), Is.EqualTo(new[] { kept.Id }));
        Assert.That(edited.Body, Is.EqualTo("two files"));
        Assert.That(edited.EditedAt, Is.Null, "the author did not edit it");
        var since = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, later.Version, 50));
        Assert.That(since.Version, Is.EqualTo(later.Version + 1));
        Assert.That(since.Items.Select(m => (m.Id, m.Version)), Is.EqualTo(new[] { (message.Id, later.Version + 1) }));
        Assert.That(since.Items.Single().Attachments.Select(a => a.Id), Is.EqualTo(new[] { kept.Id }));
    }

    [Test]
    public async Task A_file_on_messages_in_two_conversations_moves_both_versions()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "general");
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        using var aliceHttp = CreateClient(alice.AccessToken);
        var file = await UploadAsync(aliceHttp, RandomBytes(100));
        var direct = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "to bob", [file.Id], null));
        var inRoom = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "to the room", [file.Id], null));
        var again = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "", [file.Id], null));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        await using var carolTab = await HubClient.ConnectAsync(carol.AccessToken);

        Assert.That((await aliceHttp.DeleteAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var toBob = await bobTab.NextAsync<Message>("MessageEdited");
        Assert.That((toBob.Id, toBob.Version, toBob.Attachments.Count), Is.EqualTo((direct.Id, direct.Version + 1, 0)));
        var first = await carolTab.NextAsync<Message>("MessageEdited");
        var second = await carolTab.NextAsync<Message>("MessageEdited");
        Assert.That(new[] { (first.Id, first.Version), (second.Id, second.Version) },
            Is.EqualTo(new[] { (inRoom.Id, again.Version + 1), (again.Id, again.Version + 2) }), "one version each, announced in version order");
        Assert.That(first.Attachments.Concat(second.Attachments), Is.Empty);
        var directSince = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, direct.Version, 50));
        Assert.That(directSince.Items.Select(m => m.Id), Is.EqualTo(new[] { direct.Id }));
        var roomSince = await SendAsync(new ListRoomMessages.Query(carol.User.Id, room.Id, null, null, again.Version, 50));
        Assert.That(roomSince.Items.Select(m => (m.Id, m.Attachments.Count)), Is.EqualTo(new[] { (inRoom.Id, 0), (again.Id, 0) }));
        Assert.That(roomSince.Version, Is.EqualTo(again.Version + 2));
        await bobTab.AssertNoEventAsync("MessageEdited");
    }

    [Test]
    public async Task A_file_on_no_message_changes_no_version()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        using var aliceHttp = CreateClient(alice.AccessToken);
        var file = await UploadAsync(aliceHttp, RandomBytes(100));
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "no files", null, null));

        Assert.That((await aliceHttp.DeleteAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, 0, 50));
        Assert.That((page.Version, page.Items.Single().Version), Is.EqualTo((sent.Version, sent.Version)));
    }
}
