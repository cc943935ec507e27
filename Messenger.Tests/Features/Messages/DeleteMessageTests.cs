using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.CreateRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class DeleteMessageTests : TestBase
{
    [Test]
    public async Task The_author_deletes_and_the_message_stays_as_a_tombstone()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "oops", null, null));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var response = await CreateClient(alice.AccessToken).DeleteAsync($"/messages/{sent.Id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await bobTab.NextAsync<MessageDeletedEvent>("MessageDeleted"),
            Is.EqualTo(new MessageDeletedEvent(sent.Id, null, alice.User.Id, bob.User.Id, sent.Version + 1)));
        var page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, null, 50));
        var tombstone = page.Items.Single();
        Assert.That(tombstone.Id, Is.EqualTo(sent.Id));
        Assert.That(tombstone.Body, Is.EqualTo(""));
        Assert.That(tombstone.Attachments, Is.Empty);
        Assert.That(tombstone.DeletedAt, Is.Not.Null);
        Assert.That(tombstone.CreatedAt, Is.EqualTo(sent.CreatedAt));
    }

    [Test]
    public async Task Deleting_twice_changes_nothing_and_sends_nothing()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "oops", null, null));
        await SendAsync(new DeleteMessage.Command(alice.User.Id, sent.Id));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await SendAsync(new DeleteMessage.Command(alice.User.Id, sent.Id));

        await bobTab.AssertNoEventAsync("MessageDeleted");
    }

    [Test]
    public async Task The_room_owner_may_delete_any_message_of_the_room_other_members_only_their_own()
    {
        var owner = await RegisterAsync("owner");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await SendAsync(new CreateRoom.Command(owner.User.Id, "general", null, false));
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        var bobs = await SendAsync(new SendRoomMessage.Command(bob.User.Id, room.Id, "bob's", null, null));
        var carols = await SendAsync(new SendRoomMessage.Command(carol.User.Id, room.Id, "carol's", null, null));
        await using var carolTab = await HubClient.ConnectAsync(carol.AccessToken);

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new DeleteMessage.Command(carol.User.Id, bobs.Id)));
        await SendAsync(new DeleteMessage.Command(owner.User.Id, carols.Id));

        Assert.That((await carolTab.NextAsync<MessageDeletedEvent>("MessageDeleted")).MessageId, Is.EqualTo(carols.Id));
        Assert.That(await QuerySingleAsync<string>("SELECT body FROM messages WHERE id = @Id", new { bobs.Id }), Is.EqualTo("bob's"));
    }

    [Test]
    public async Task A_message_you_cannot_see_is_not_found()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "private", null, null));

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new DeleteMessage.Command(carol.User.Id, sent.Id)));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new DeleteMessage.Command(bob.User.Id, sent.Id)),
            "the recipient sees it but did not write it");
    }

    [Test]
    public async Task An_owner_who_left_an_emptied_room_no_longer_deletes_its_messages()
    {
        var owner = await RegisterAsync("owner");
        var bob = await RegisterAsync("bob");
        var room = await SendAsync(new CreateRoom.Command(owner.User.Id, "general", null, false));
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        var bobs = await SendAsync(new SendRoomMessage.Command(bob.User.Id, room.Id, "bob's", null, null));
        await SendAsync(new Messenger.Features.Rooms.LeaveRoom.LeaveRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new Messenger.Features.Rooms.LeaveRoom.LeaveRoom.Command(owner.User.Id, room.Id));

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new DeleteMessage.Command(owner.User.Id, bobs.Id)));
    }

    [Test]
    public async Task Past_the_deletes_rate_limit_deleting_is_429_with_retry_after()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "oops", null, null));
        using var client = CreateClient(alice.AccessToken);

        // Deleting a tombstone again is a 204 that still spends the budget.
        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Deletes>(() => client.DeleteAsync($"/messages/{sent.Id}"));
    }
}
