using Messenger.Features.Auth;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.GetRoom;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.LeaveRoom;
using Messenger.Features.Rooms.ListParticipants;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class LeaveRoomTests : TestBase
{
    [Test]
    public async Task A_member_leaves_and_the_room_forgets_them()
    {
        var (alice, bob, room) = await AliceOwnsARoomBobJoinedAsync();

        await SendAsync(new LeaveRoom.Command(bob.User.Id, room.Id));

        var seen = await SendAsync(new GetRoom.Query(bob.User.Id, room.Id));
        Assert.That(seen.MyRole, Is.Null);
        Assert.That(seen.ParticipantCount, Is.EqualTo(1));
        Assert.That(seen.OwnerId, Is.EqualTo(alice.User.Id));
    }

    [Test]
    public async Task Leaving_a_room_you_are_not_in_is_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var open = await CreateRoomAsync(alice, "General");
        var secret = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invited = await CreateRoomAsync(alice, "Invited", isPrivate: true);
        await SendAsync(new InviteToRoom.Command(alice.User.Id, invited.Id, bob.User.Id));

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new LeaveRoom.Command(bob.User.Id, open.Id)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new LeaveRoom.Command(bob.User.Id, secret.Id)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new LeaveRoom.Command(bob.User.Id, invited.Id)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new LeaveRoom.Command(bob.User.Id, 999_999)));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants"), Is.EqualTo(3));
    }

    [Test]
    public async Task ParticipantLeft_reaches_every_participants_connections_including_the_leavers()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var stranger = await RegisterAsync("stranger");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var strangerTab = await HubClient.ConnectAsync(stranger.AccessToken);

        await SendAsync(new LeaveRoom.Command(bob.User.Id, room.Id));

        foreach (var tab in new[] { aliceTab1, aliceTab2, bobTab1, bobTab2 })
            Assert.That(await tab.NextAsync<ParticipantLeftEvent>("ParticipantLeft"), Is.EqualTo(new ParticipantLeftEvent(room.Id, bob.User.Id)));
        await strangerTab.AssertNoEventAsync("ParticipantLeft");
    }

    [Test]
    public async Task After_leaving_the_leavers_connections_hear_nothing_more_from_the_room()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);
        await SendAsync(new LeaveRoom.Command(bob.User.Id, room.Id));
        await bobTab1.NextAsync<ParticipantLeftEvent>("ParticipantLeft");
        await bobTab2.NextAsync<ParticipantLeftEvent>("ParticipantLeft");

        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        await aliceTab.InvokeAsync("StartTyping", new { roomId = room.Id });

        Assert.That((await aliceTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(carol.User.Id));
        foreach (var tab in new[] { bobTab1, bobTab2 })
        {
            await tab.AssertNoEventAsync("ParticipantJoined");
            await tab.AssertNoEventAsync("TypingStarted", settleMilliseconds: 0);
        }
    }

    [Test]
    public async Task When_the_owner_leaves_the_longest_standing_member_becomes_owner()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        // carol has the higher id, so only her strictly earlier joined_at makes her the heir.
        await NextMillisecondAsync();
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        await SendAsync(new LeaveRoom.Command(alice.User.Id, room.Id));

        var seenByCarol = await SendAsync(new GetRoom.Query(carol.User.Id, room.Id));
        Assert.That(seenByCarol.OwnerId, Is.EqualTo(carol.User.Id));
        Assert.That(seenByCarol.MyRole, Is.EqualTo("owner"));
        var participants = await SendAsync(new ListParticipants.Query(bob.User.Id, room.Id, 50));
        Assert.That(participants.Select(p => (p.User.Username, p.Role)), Is.EqualTo(new[] { ("carol", "owner"), ("bob", "member") }));
        Assert.That((await SendAsync(new GetRoom.Query(alice.User.Id, room.Id))).MyRole, Is.Null);
    }

    [Test]
    public async Task The_owner_of_a_private_room_leaving_hands_it_over_and_loses_sight_of_it()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        await SendAsync(new LeaveRoom.Command(alice.User.Id, room.Id));

        Assert.That((await SendAsync(new GetRoom.Query(bob.User.Id, room.Id))).MyRole, Is.EqualTo("owner"));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new GetRoom.Query(alice.User.Id, room.Id)));
    }

    [Test]
    public async Task The_owner_and_the_heir_leaving_at_once_leave_the_room_to_the_next_in_line()
    {
        for (var round = 0; round < 5; round++)
        {
            var owner = await RegisterAsync($"owner{round}");
            var heir = await RegisterAsync($"heir{round}");
            var next = await RegisterAsync($"next{round}");
            var room = await CreateRoomAsync(owner, "General");
            await SendAsync(new JoinRoom.Command(heir.User.Id, room.Id));
            await SendAsync(new JoinRoom.Command(next.User.Id, room.Id));
            using var ownerClient = CreateClient(owner.AccessToken);
            using var heirClient = CreateClient(heir.AccessToken);

            var responses = await Task.WhenAll(
                ownerClient.PostAsync($"/rooms/{room.Id}/leave", null),
                heirClient.PostAsync($"/rooms/{room.Id}/leave", null));

            Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.NoContent), $"round {round}");
            Assert.That(await QuerySingleAsync<long>("SELECT owner_id FROM rooms WHERE id = @Id", new { room.Id }),
                Is.EqualTo(next.User.Id), $"round {round}");
        }
    }

    [Test]
    public async Task A_member_leaving_keeps_the_owner()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));

        await SendAsync(new LeaveRoom.Command(bob.User.Id, room.Id));

        Assert.That(await QuerySingleAsync<long>("SELECT owner_id FROM rooms WHERE id = @Id", new { room.Id }), Is.EqualTo(alice.User.Id));
    }

    [Test]
    public async Task The_last_person_leaving_empties_the_room()
    {
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "General");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        await SendAsync(new LeaveRoom.Command(alice.User.Id, room.Id));

        Assert.That(await aliceTab.NextAsync<ParticipantLeftEvent>("ParticipantLeft"), Is.EqualTo(new ParticipantLeftEvent(room.Id, alice.User.Id)));
        var seen = await SendAsync(new GetRoom.Query(alice.User.Id, room.Id));
        Assert.That(seen.ParticipantCount, Is.Zero);
        Assert.That(seen.MyRole, Is.Null);
    }

    [Test]
    public async Task Over_http_leaving_is_204_and_leaving_again_404()
    {
        var (alice, bob, room) = await AliceOwnsARoomBobJoinedAsync();
        using var client = CreateClient(bob.AccessToken);

        var left = await client.PostAsync($"/rooms/{room.Id}/leave", null);
        var again = await client.PostAsync($"/rooms/{room.Id}/leave", null);

        Assert.That(left.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(again.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Over_the_hub_LeaveRoom_leaves_and_tells_the_room()
    {
        var (alice, bob, room) = await AliceOwnsARoomBobJoinedAsync();
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await bobTab.InvokeAsync("LeaveRoom", new { roomId = room.Id });

        Assert.That(await aliceTab.NextAsync<ParticipantLeftEvent>("ParticipantLeft"), Is.EqualTo(new ParticipantLeftEvent(room.Id, bob.User.Id)));
        Assert.That(await bobTab.NextAsync<ParticipantLeftEvent>("ParticipantLeft"), Is.EqualTo(new ParticipantLeftEvent(room.Id, bob.User.Id)));
        var again = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("LeaveRoom", new { roomId = room.Id }));
        Assert.That(again!.Message, Does.StartWith("404 Not Found:"));
    }

    [Test]
    public async Task Over_the_hub_a_missing_room_id_is_400_naming_roomId()
    {
        var bob = await RegisterAsync("bob");
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("LeaveRoom", new { }));

        Assert.That(e!.Message, Does.StartWith("400 Bad Request: roomId:"));
    }

    [Test]
    public async Task Whoever_joins_an_empty_room_becomes_its_owner()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new LeaveRoom.Command(alice.User.Id, room.Id));

        var joined = await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        Assert.That(joined.OwnerId, Is.EqualTo(bob.User.Id));
        Assert.That(joined.MyRole, Is.EqualTo("owner"));
    }

    [Test]
    public async Task Leaving_while_typing_there_tells_the_room_typing_stopped()
    {
        var (alice, bob, room) = await AliceOwnsARoomBobJoinedAsync();
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        await bobTab.InvokeAsync("StartTyping", new { roomId = room.Id });
        await aliceTab.NextAsync<TypingEvent>("TypingStarted");

        await bobTab.InvokeAsync("LeaveRoom", new { roomId = room.Id });

        Assert.That(await aliceTab.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(room.Id, bob.User.Id)));
        await bobTab.DisposeAsync();
        // Closing the connection later has nothing more to announce.
        await aliceTab.AssertNoEventAsync("TypingStopped");
    }

    [Test]
    public async Task A_join_and_leave_loop_stops_at_the_rate_limit_and_the_room_hears_no_more()
    {
        var (alice, bob, room) = await AliceOwnsARoomBobJoinedAsync();
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        HubException? refused = null;
        var calls = 0;
        while (refused is null && calls <= RateLimitTesting.Burst<RateLimitPolicies.JoinLeave>())
        {
            try
            {
                await bobTab.InvokeAsync(calls % 2 == 0 ? "LeaveRoom" : "JoinRoom", new { roomId = room.Id });
                calls++;
            }
            catch (HubException e)
            {
                refused = e;
            }
        }

        Assert.That(refused?.Message, Does.StartWith("429 Too Many Requests: "));
        // The arrangement's own join was the first call of bob's budget.
        Assert.That(calls, Is.EqualTo(RateLimitTesting.Burst<RateLimitPolicies.JoinLeave>() - 1));
        var response = await CreateClient(bob.AccessToken).PostAsync($"/rooms/{room.Id}/leave", null);
        await ReadProblemAsync(response, HttpStatusCode.TooManyRequests);
        for (var i = 0; i < calls; i++)
            await aliceTab.NextAsync<object>(i % 2 == 0 ? "ParticipantLeft" : "ParticipantJoined");
        await aliceTab.AssertNoEventAsync("ParticipantLeft");
        await aliceTab.AssertNoEventAsync("ParticipantJoined", settleMilliseconds: 0);
    }

    private static async Task<(AuthResponse Alice, AuthResponse Bob, Room Room)> AliceOwnsARoomBobJoinedAsync()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        return (alice, bob, room);
    }
}
