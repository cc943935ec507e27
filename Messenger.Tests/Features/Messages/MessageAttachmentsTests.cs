using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.CreateRoom;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

/// <summary>Attachments across the send slices and the files read rule they extend.</summary>
public sealed class MessageAttachmentsTests : StorageTestBase
{
    [Test]
    public async Task The_recipient_may_read_an_attached_file_and_a_stranger_may_not()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        using var aliceClient = CreateClient(alice.AccessToken);
        var bytes = RandomBytes(2048);
        var file = await UploadAsync(aliceClient, bytes);
        Assert.That((await CreateClient(bob.AccessToken).GetAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "not attached yet");

        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "", [file.Id], null));

        Assert.That(sent.Attachments.Single().Id, Is.EqualTo(file.Id));
        Assert.That(sent.Body, Is.EqualTo(""), "attachments alone are a message");
        Assert.That(await CreateClient(bob.AccessToken).GetByteArrayAsync(file.Url), Is.EqualTo(bytes));
        Assert.That((await CreateClient(carol.AccessToken).GetAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Anyone_may_read_a_file_attached_in_a_public_room_but_not_in_a_private_one()
    {
        var alice = await RegisterAsync("alice");
        var visitor = await RegisterAsync("visitor");
        using var aliceClient = CreateClient(alice.AccessToken);
        var open = await SendAsync(new CreateRoom.Command(alice.User.Id, "open", null, false));
        var secret = await SendAsync(new CreateRoom.Command(alice.User.Id, "secret", null, true));
        var shared = await UploadAsync(aliceClient, RandomBytes(10));
        var hidden = await UploadAsync(aliceClient, RandomBytes(10));
        await SendAsync(new SendRoomMessage.Command(alice.User.Id, open.Id, "see", [shared.Id], null));
        await SendAsync(new SendRoomMessage.Command(alice.User.Id, secret.Id, "hush", [hidden.Id], null));

        using var visitorClient = CreateClient(visitor.AccessToken);
        Assert.That((await visitorClient.GetAsync(shared.Url)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await visitorClient.GetAsync(hidden.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Only_your_own_files_can_be_attached()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var bobsFile = await UploadAsync(CreateClient(bob.AccessToken), RandomBytes(10));

        var e = Assert.ThrowsAsync<BadRequestException>(() =>
            SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "mine?", [bobsFile.Id], null)));
        Assert.That(e!.Field, Is.EqualTo("attachmentIds"));
        Assert.ThrowsAsync<BadRequestException>(() =>
            SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "ghost", [999_999], null)));
        Assert.That(await CountAsync("messages"), Is.Zero, "a refused attachment stores no message");
    }

    [Test]
    public async Task A_send_refused_for_the_room_writes_nothing_even_on_a_connection_that_just_stored_a_message()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var mine = await CreateRoomAsync(bob, "Mine");
        var theirs = await CreateRoomAsync(alice, "Theirs");
        var file = await UploadAsync(CreateClient(bob.AccessToken), RandomBytes(10));
        // The pooled connection that stored this message still holds its id as LAST_INSERT_ID().
        var stored = await SendAsync(new SendRoomMessage.Command(bob.User.Id, mine.Id, "hi", null, null));
        var versionBefore = await QuerySingleAsync<long>("SELECT version FROM conversations WHERE room_id = @Id", new { theirs.Id });

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new SendRoomMessage.Command(bob.User.Id, theirs.Id, "sneak", [file.Id], null)));

        Assert.That(await CountAsync("messages"), Is.EqualTo(1));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM message_attachments WHERE message_id = @Id", new { stored.Id }), Is.Zero);
        Assert.That(await QuerySingleAsync<long>("SELECT version FROM conversations WHERE room_id = @Id", new { theirs.Id }),
            Is.EqualTo(versionBefore));
    }

    [Test]
    public async Task Deleting_a_message_drops_its_attachments_and_their_readers()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var file = await UploadAsync(CreateClient(alice.AccessToken), RandomBytes(10));
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "with file", [file.Id], null));

        await SendAsync(new DeleteMessage.Command(alice.User.Id, sent.Id));

        Assert.That(await CountAsync("message_attachments"), Is.Zero);
        Assert.That((await CreateClient(bob.AccessToken).GetAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await CreateClient(alice.AccessToken).GetAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the owner keeps it");
    }
}
