using FluentValidation;
using Messenger.Infrastructure.Realtime;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.GetRoom;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.ListMyRooms;
using Messenger.Features.Rooms.RespondToInvite;
using Messenger.Features.Users;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class RespondToInviteTests : TestBase
{
    [Test]
    public async Task Accepting_joins_the_room_and_tells_the_room_and_the_inviter()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var accepted = await SendAsync(new RespondToInvite.Command(bob.User.Id, invite.Id, true));

        Assert.That(accepted.Status, Is.EqualTo("accepted"));
        Assert.That(accepted.RespondedAt, Is.Not.Null);
        var responded = await aliceTab.NextAsync<Invite>("RoomInviteResponded");
        Assert.That((responded.Id, responded.Status), Is.EqualTo((invite.Id, "accepted")));
        foreach (var tab in new[] { aliceTab, bobTab })
            Assert.That(await tab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined"), Is.EqualTo(
                new ParticipantJoinedEvent(room.Id, new UserSummary(bob.User.Id, "bob", "bob", null))));
        var mine = await SendAsync(new ListMyRooms.Query(bob.User.Id));
        Assert.That(mine.Select(r => (r.Id, r.MyRole)), Is.EqualTo(new[] { (room.Id, "member") }));
    }

    [Test]
    public async Task Rejecting_keeps_the_invitee_out_and_the_private_room_invisible_again()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var rejected = await SendAsync(new RespondToInvite.Command(bob.User.Id, invite.Id, false));

        Assert.That(rejected.Status, Is.EqualTo("rejected"));
        Assert.That(rejected.RespondedAt, Is.Not.Null);
        Assert.That((await aliceTab.NextAsync<Invite>("RoomInviteResponded")).Status, Is.EqualTo("rejected"));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new GetRoom.Query(bob.User.Id, room.Id)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new JoinRoom.Command(bob.User.Id, room.Id)));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants WHERE room_id = @Id", new { room.Id }), Is.EqualTo(1));
        await aliceTab.AssertNoEventAsync("ParticipantJoined", settleMilliseconds: 0);
    }

    [Test]
    public async Task Anyone_but_the_invitee_gets_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RespondToInvite.Command(alice.User.Id, invite.Id, true)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RespondToInvite.Command(carol.User.Id, invite.Id, true)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RespondToInvite.Command(bob.User.Id, invite.Id + 1000, true)));

        Assert.That(await QuerySingleAsync<string>("SELECT status FROM room_invites WHERE id = @Id", new { invite.Id }), Is.EqualTo("pending"));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants WHERE room_id = @Id", new { room.Id }), Is.EqualTo(1));
    }

    [Test]
    public async Task An_invite_no_longer_pending_is_a_conflict()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var rejected = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await SendAsync(new RespondToInvite.Command(bob.User.Id, rejected.Id, false));
        var accepted = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await SendAsync(new RespondToInvite.Command(bob.User.Id, accepted.Id, true));

        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new RespondToInvite.Command(bob.User.Id, rejected.Id, true)));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new RespondToInvite.Command(bob.User.Id, accepted.Id, true)));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new RespondToInvite.Command(bob.User.Id, accepted.Id, false)));

        Assert.That(await QuerySingleAsync<string>("SELECT status FROM room_invites WHERE id = @Id", new { accepted.Id }), Is.EqualTo("accepted"));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants WHERE room_id = @Id", new { room.Id }), Is.EqualTo(2));
    }

    [Test]
    public async Task An_invite_accepted_by_joining_is_no_longer_pending()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new RespondToInvite.Command(bob.User.Id, invite.Id, true)));
    }

    [Test]
    public async Task Accepting_and_joining_at_once_joins_once()
    {
        for (var round = 0; round < 5; round++)
        {
            var alice = await RegisterAsync($"alice{round}");
            var bob = await RegisterAsync($"bob{round}");
            var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
            var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
            await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
            using var client1 = CreateClient(bob.AccessToken);
            using var client2 = CreateClient(bob.AccessToken);

            var responses = await Task.WhenAll(
                client1.PostAsJsonAsync($"/invites/{invite.Id}", new { accept = true }),
                client2.PostAsync($"/rooms/{room.Id}/join", null));

            // Whichever commits first wins; the other finds the invite answered (409) or bob already in (200).
            Assert.That(responses[0].StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.Conflict), $"round {round}");
            Assert.That(responses[1].StatusCode, Is.EqualTo(HttpStatusCode.OK), $"round {round}");
            Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants WHERE room_id = @Id", new { room.Id }),
                Is.EqualTo(2), $"round {round}");
            Assert.That((await aliceTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(bob.User.Id));
            Assert.That((await aliceTab.NextAsync<Invite>("RoomInviteResponded")).Status, Is.EqualTo("accepted"));
            await aliceTab.AssertNoEventAsync("ParticipantJoined");
            await aliceTab.AssertNoEventAsync("RoomInviteResponded", settleMilliseconds: 0);
        }
    }

    [Test]
    public async Task Accept_is_required()
    {
        var bob = await RegisterAsync("bob");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new RespondToInvite.Command(bob.User.Id, 1, null)));
        var response = await CreateClient(bob.AccessToken).PostAsJsonAsync("/invites/1", new { });

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "accept" }));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "accept" }));
    }

    [Test]
    public async Task Over_http_answering_is_200_with_the_invite()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        using var client = CreateClient(bob.AccessToken);

        var response = await client.PostAsJsonAsync($"/invites/{invite.Id}", new { accept = true });
        var again = await client.PostAsJsonAsync($"/invites/{invite.Id}", new { accept = true });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await response.Content.ReadFromJsonAsync<Invite>())!.Status, Is.EqualTo("accepted"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task Past_the_invites_rate_limit_answering_is_429_with_retry_after()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        using var client = CreateClient(bob.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Invites>(() =>
            client.PostAsJsonAsync($"/invites/{invite.Id}", new { accept = false }));
    }

    [Test]
    public async Task Accepting_an_invite_late_shows_none_of_the_rooms_history_as_unread()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var last = await SendAsync(new Messenger.Features.Messages.SendRoomMessage.SendRoomMessage.Command(alice.User.Id, room.Id, "before", null, null));
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        await SendAsync(new RespondToInvite.Command(bob.User.Id, invite.Id, true));

        var joined = (await SendAsync(new Messenger.Features.Conversations.ListConversations.ListConversations.Query(bob.User.Id, null, 50))).Single();
        Assert.That(joined.UnreadCount, Is.EqualTo(0));
        Assert.That(joined.LastReadMessageId, Is.EqualTo(last.Id));
    }
}
