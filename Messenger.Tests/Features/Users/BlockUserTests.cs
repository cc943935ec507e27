using System.Text.Json;
using Messenger.Features.Friends;
using Messenger.Features.Friends.ListFriendRequests;
using Messenger.Features.Friends.ListFriends;
using Messenger.Features.Friends.RespondToFriendRequest;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.ListInvites;
using Messenger.Features.Rooms.RespondToInvite;
using Messenger.Features.Users.BlockUser;
using Messenger.Features.Users.GetUser;
using Messenger.Features.Users.UnblockUser;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class BlockUserTests : TestBase
{
    [Test]
    public async Task Blocking_a_friend_ends_the_friendship_and_tells_both()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var response = await CreateClient(alice.AccessToken).PutAsync($"/users/{bob.User.Id}/block", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await bobTab.NextAsync<FriendRemovedEvent>("FriendRemoved")).UserId, Is.EqualTo(alice.User.Id));
        Assert.That((await aliceTab.NextAsync<FriendRemovedEvent>("FriendRemoved")).UserId, Is.EqualTo(bob.User.Id));
        Assert.That(await SendAsync(new ListFriends.Query(alice.User.Id)), Is.Empty);
        Assert.That(await SendAsync(new ListFriends.Query(bob.User.Id)), Is.Empty);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM blocks WHERE blocker_id = @A AND blocked_id = @B",
            new { A = alice.User.Id, B = bob.User.Id }), Is.EqualTo(1));
    }

    [TestCase(true, TestName = "Blocking_cancels_a_pending_request_I_sent_and_tells_both")]
    [TestCase(false, TestName = "Blocking_cancels_a_pending_request_I_received_and_tells_both")]
    public async Task Blocking_cancels_a_pending_friend_request_either_way(bool blockerAsked)
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = blockerAsked
            ? await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id))
            : await SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));

        foreach (var tab in new[] { aliceTab, bobTab })
        {
            var responded = await tab.NextAsync<FriendRequest>("FriendRequestResponded");
            Assert.That((responded.Id, responded.Status), Is.EqualTo((request.Id, "cancelled")));
            Assert.That(responded.RespondedAt, Is.Not.Null);
        }
        var bobsRequests = await SendAsync(new ListFriendRequests.Query(bob.User.Id));
        Assert.That(bobsRequests.Incoming.Concat(bobsRequests.Outgoing), Is.Empty);
        await aliceTab.AssertNoEventAsync("FriendRemoved", settleMilliseconds: 0);
    }

    [Test]
    public async Task Blocking_rejects_pending_room_invites_between_the_two_either_way_and_no_others()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var alicesRoom = await CreateRoomAsync(alice, "Alice's", isPrivate: true);
        var bobsRoom = await CreateRoomAsync(bob, "Bob's", isPrivate: true);
        var fromAlice = await SendAsync(new InviteToRoom.Command(alice.User.Id, alicesRoom.Id, bob.User.Id));
        var fromBob = await SendAsync(new InviteToRoom.Command(bob.User.Id, bobsRoom.Id, alice.User.Id));
        var toCarol = await SendAsync(new InviteToRoom.Command(alice.User.Id, alicesRoom.Id, carol.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await SendAsync(new BlockUser.Command(bob.User.Id, alice.User.Id));

        foreach (var tab in new[] { aliceTab, bobTab })
        {
            var responded = await tab.AllAsync<Invite>("RoomInviteResponded");
            Assert.That(responded.Select(i => (i.Id, i.Status)), Is.EquivalentTo(new[] { (fromAlice.Id, "rejected"), (fromBob.Id, "rejected") }));
        }
        Assert.That(await SendAsync(new ListInvites.Query(alice.User.Id)), Is.Empty);
        Assert.That(await SendAsync(new ListInvites.Query(bob.User.Id)), Is.Empty);
        Assert.That((await SendAsync(new ListInvites.Query(carol.User.Id))).Select(i => i.Id), Is.EqualTo(new[] { toCarol.Id }));
    }

    [Test]
    public async Task While_either_has_blocked_the_other_friend_requests_either_way_are_forbidden()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));

        var fromBob = await CreateClient(bob.AccessToken).PostAsJsonAsync("/friends/request", new { toUserId = alice.User.Id });
        var fromAlice = await CreateClient(alice.AccessToken).PostAsJsonAsync("/friends/request", new { toUserId = bob.User.Id });

        await ReadProblemAsync(fromBob, HttpStatusCode.Forbidden);
        await ReadProblemAsync(fromAlice, HttpStatusCode.Forbidden);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM friend_requests"), Is.Zero, "nothing stored");
    }

    [Test]
    public async Task Accepting_a_request_after_a_block_is_forbidden_and_makes_no_friendship()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id));
        await SendAsync(new BlockUser.Command(bob.User.Id, alice.User.Id));

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync("/friends/response", new { requestId = request.Id, accept = true });

        await ReadProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.That(await SendAsync(new ListFriends.Query(alice.User.Id)), Is.Empty);
    }

    [Test]
    public async Task While_either_has_blocked_the_other_invites_either_way_are_forbidden()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var alicesRoom = await CreateRoomAsync(alice, "Alice's");
        var bobsRoom = await CreateRoomAsync(bob, "Bob's");
        await SendAsync(new BlockUser.Command(bob.User.Id, alice.User.Id));

        var fromAlice = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/rooms/{alicesRoom.Id}/invite", new { userId = bob.User.Id });
        var fromBob = await CreateClient(bob.AccessToken).PostAsJsonAsync($"/rooms/{bobsRoom.Id}/invite", new { userId = alice.User.Id });

        await ReadProblemAsync(fromAlice, HttpStatusCode.Forbidden);
        await ReadProblemAsync(fromBob, HttpStatusCode.Forbidden);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_invites"), Is.Zero, "nothing stored");
    }

    [Test]
    public async Task Accepting_an_invite_after_a_block_does_not_join_the_room()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));

        var response = await CreateClient(bob.AccessToken).PostAsJsonAsync($"/invites/{invite.Id}", new { accept = true });
        var join = await CreateClient(bob.AccessToken).PostAsync($"/rooms/{room.Id}/join", null);

        await ReadProblemAsync(response, HttpStatusCode.Conflict);
        await ReadProblemAsync(join, HttpStatusCode.NotFound);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants WHERE user_id = @Id", new { bob.User.Id }), Is.Zero);
    }

    [Test]
    public async Task Friendship_reads_blocked_to_the_blocker_and_none_to_the_blocked()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));

        var aliceSees = await CreateClient(alice.AccessToken).GetFromJsonAsync<JsonElement>($"/users/{bob.User.Id}");
        var bobSees = await CreateClient(bob.AccessToken).GetFromJsonAsync<JsonElement>($"/users/{alice.User.Id}");

        Assert.That(aliceSees.GetProperty("friendship").GetString(), Is.EqualTo("blocked"));
        Assert.That(bobSees.GetProperty("friendship").GetString(), Is.EqualTo("none"));
        await SendAsync(new BlockUser.Command(bob.User.Id, alice.User.Id));
        Assert.That((await SendAsync(new GetUser.Query(bob.User.Id, alice.User.Id))).Friendship, Is.EqualTo("blocked"), "both ways, each sees their own");
    }

    [Test]
    public async Task User_search_hides_the_users_who_blocked_me_but_not_the_ones_I_blocked()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await RegisterAsync("alicia");
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));

        var bobFinds = await CreateClient(bob.AccessToken).GetFromJsonAsync<JsonElement[]>("/users?query=ali");
        var aliceFinds = await CreateClient(alice.AccessToken).GetFromJsonAsync<JsonElement[]>("/users?query=bo");

        Assert.That(bobFinds!.Select(u => u.GetProperty("username").GetString()), Is.EqualTo(new[] { "alicia" }));
        Assert.That(aliceFinds!.Select(u => u.GetProperty("username").GetString()), Is.EqualTo(new[] { "bob" }));
    }

    [Test]
    public async Task Blocking_again_is_204_and_changes_nothing()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        using var client = CreateClient(alice.AccessToken);

        var first = await client.PutAsync($"/users/{bob.User.Id}/block", null);
        var createdAt = await QuerySingleAsync<DateTime>("SELECT created_at FROM blocks");
        await NextMillisecondAsync();
        var again = await client.PutAsync($"/users/{bob.User.Id}/block", null);

        Assert.That((first.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.NoContent, HttpStatusCode.NoContent)));
        Assert.That(await QuerySingleAsync<DateTime>("SELECT created_at FROM blocks"), Is.EqualTo(createdAt));
    }

    [Test]
    public async Task Blocking_yourself_is_400_and_an_unknown_user_404()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        var self = await client.PutAsync($"/users/{alice.User.Id}/block", null);
        var unknown = await client.PutAsync("/users/999999999/block", null);

        Assert.That(ErrorFields(await ReadProblemAsync(self, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "id" }));
        await ReadProblemAsync(unknown, HttpStatusCode.NotFound);
        await ReadProblemAsync(await CreateClient().PutAsync($"/users/{alice.User.Id}/block", null), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Direct_history_stays_readable_by_both()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "before the block", null, null));
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));

        foreach (var (reader, other) in new[] { (alice, bob), (bob, alice) })
        {
            var page = await CreateClient(reader.AccessToken).GetFromJsonAsync<JsonElement>($"/friends/{other.User.Id}/messages");
            Assert.That(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new[] { sent.Id }));
        }
        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "after", null, null)),
            "sending needs friendship, which the block ended");
    }

    [Test]
    public async Task Room_messages_of_a_blocked_user_are_still_delivered()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var sent = await SendAsync(new SendRoomMessage.Command(bob.User.Id, room.Id, "still here", null, null));

        Assert.That((await aliceTab.NextAsync<JsonElement>("MessageReceived")).GetProperty("id").GetInt64(), Is.EqualTo(sent.Id));
    }

    [Test]
    public async Task Typing_in_a_room_skips_users_in_a_block_either_way_on_connections_already_open()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        await using var carolTab = await HubClient.ConnectAsync(carol.AccessToken);
        await aliceTab.InvokeAsync("StartTyping", new { roomId = room.Id });
        await bobTab.NextAsync<TypingEvent>("TypingStarted");
        await carolTab.NextAsync<TypingEvent>("TypingStarted");

        await SendAsync(new BlockUser.Command(bob.User.Id, alice.User.Id));
        await aliceTab.InvokeAsync("StartTyping", new { roomId = room.Id });
        await bobTab.InvokeAsync("StartTyping", new { roomId = room.Id });

        Assert.That(await carolTab.NextAsync<TypingEvent>("TypingStarted"), Is.EqualTo(new TypingEvent(room.Id, alice.User.Id)));
        Assert.That(await carolTab.NextAsync<TypingEvent>("TypingStarted"), Is.EqualTo(new TypingEvent(room.Id, bob.User.Id)));
        await bobTab.AssertNoEventAsync("TypingStarted");
        await aliceTab.AssertNoEventAsync("TypingStarted", settleMilliseconds: 0);

        // A typist whose connection closes is announced as stopped, to carol only.
        await aliceTab.DisposeAsync();
        Assert.That(await carolTab.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(room.Id, alice.User.Id)));
        await bobTab.AssertNoEventAsync("TypingStopped");
    }

    [Test]
    public async Task Typing_to_a_user_who_blocked_you_is_forbidden_and_never_delivered()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        await aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id });
        await bobTab.NextAsync<TypingEvent>("TypingStarted");

        await SendAsync(new BlockUser.Command(bob.User.Id, alice.User.Id));
        var start = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id }));
        await aliceTab.DisposeAsync();

        Assert.That(start!.Message, Does.StartWith("403 Forbidden:"));
        await bobTab.AssertNoEventAsync("TypingStarted");
        await bobTab.AssertNoEventAsync("TypingStopped", settleMilliseconds: 0);
    }

    [Test]
    public async Task Presence_stops_in_both_directions_on_connections_already_open()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        foreach (var friend in new[] { alice, bob })
        {
            var request = await SendAsync(new SendFriendRequest.Command(carol.User.Id, friend.User.Id));
            await SendAsync(new RespondToFriendRequest.Command(friend.User.Id, request.Id, true));
        }
        await using var carolTab = await HubClient.ConnectAsync(carol.AccessToken);
        var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        Assert.That((await aliceTab.NextAsync<PresenceChangedEvent>("PresenceChanged")).UserId, Is.EqualTo(bob.User.Id));
        Assert.That((await carolTab.AllAsync<PresenceChangedEvent>("PresenceChanged")).Count, Is.EqualTo(2));

        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));
        await bobTab.DisposeAsync();
        Assert.That(await carolTab.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(bob.User.Id, false)));
        await using var bobAgain = await HubClient.ConnectAsync(bob.AccessToken);
        Assert.That(await carolTab.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(bob.User.Id, true)));
        await aliceTab.DisposeAsync();
        Assert.That(await carolTab.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(alice.User.Id, false)));
        await using var aliceAgain = await HubClient.ConnectAsync(alice.AccessToken);
        Assert.That(await carolTab.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(alice.User.Id, true)));

        await aliceTab.AssertNoEventAsync("PresenceChanged", settleMilliseconds: 0);
        await aliceAgain.AssertNoEventAsync("PresenceChanged");
        await bobAgain.AssertNoEventAsync("PresenceChanged", settleMilliseconds: 0);
    }

    [Test]
    public async Task A_block_racing_an_accept_never_leaves_a_friendship()
    {
        for (var round = 0; round < 10; round++)
        {
            await ResetAsync();
            var alice = await RegisterAsync($"alice{round}");
            var bob = await RegisterAsync($"bob{round}");
            var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

            var accept = Task.Run(() => SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id, true)));
            var block = Task.Run(() => SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id)));
            await block;
            try
            {
                await accept;
            }
            catch (ForbiddenException)
            {
            }

            Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM friend_requests WHERE live = 1"), Is.Zero, $"round {round}");
            Assert.That(await SendAsync(new ListFriends.Query(bob.User.Id)), Is.Empty, $"round {round}");
        }
    }

    [Test]
    public async Task A_block_racing_a_new_request_or_invite_never_leaves_one_pending()
    {
        for (var round = 0; round < 10; round++)
        {
            await ResetAsync();
            var alice = await RegisterAsync($"alice{round}");
            var bob = await RegisterAsync($"bob{round}");
            var room = await CreateRoomAsync(bob, $"Room {round}");

            var request = Task.Run(() => SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id)));
            var invite = Task.Run(() => SendAsync(new InviteToRoom.Command(bob.User.Id, room.Id, alice.User.Id)));
            var block = Task.Run(() => SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id)));
            await block;
            foreach (var call in new Task[] { request, invite })
                try
                {
                    await call;
                }
                catch (ForbiddenException)
                {
                }

            Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM friend_requests WHERE live = 1"), Is.Zero, $"round {round}");
            Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_invites WHERE live = 1"), Is.Zero, $"round {round}");
        }
    }

    [Test]
    public async Task Past_the_blocking_rate_limit_blocking_is_429_with_retry_after()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        using var client = CreateClient(alice.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Blocking>(() => client.PutAsync($"/users/{bob.User.Id}/block", null));
    }
}
