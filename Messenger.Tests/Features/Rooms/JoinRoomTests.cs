using FluentValidation;
using Messenger.Features.Auth;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.ListInvites;
using Messenger.Features.Users;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class JoinRoomTests : TestBase
{
    [Test]
    public async Task Anyone_can_join_a_public_room()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "General");

        var room = await SendAsync(new JoinRoom.Command(bob.User.Id, created.Id));

        Assert.That(room.MyRole, Is.EqualTo("member"));
        Assert.That(room.ParticipantCount, Is.EqualTo(2));
        Assert.That(room.OwnerId, Is.EqualTo(alice.User.Id));
        Assert.That(await QuerySingleAsync<bool>(
            "SELECT EXISTS(SELECT 1 FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId)",
            new { RoomId = created.Id, UserId = bob.User.Id }), Is.True);
    }

    [Test]
    public async Task Joining_a_private_room_without_an_invite_is_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new JoinRoom.Command(bob.User.Id, room.Id)));

        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants WHERE room_id = @Id", new { room.Id }), Is.EqualTo(1));
        await aliceTab.AssertNoEventAsync("ParticipantJoined");
    }

    [Test]
    public async Task An_unknown_room_is_not_found()
    {
        var bob = await RegisterAsync("bob");

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new JoinRoom.Command(bob.User.Id, 999_999)));
    }

    [Test]
    public async Task Joining_a_private_room_with_a_pending_invite_accepts_it()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, created.Id, bob.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var room = await SendAsync(new JoinRoom.Command(bob.User.Id, created.Id));

        Assert.That(room.MyRole, Is.EqualTo("member"));
        var responded = await aliceTab.NextAsync<Invite>("RoomInviteResponded");
        Assert.That(responded.Id, Is.EqualTo(invite.Id));
        Assert.That(responded.Status, Is.EqualTo("accepted"));
        Assert.That(responded.RespondedAt, Is.Not.Null);
        Assert.That(await QuerySingleAsync<string>("SELECT status FROM room_invites WHERE id = @Id", new { invite.Id }), Is.EqualTo("accepted"));
        Assert.That(await SendAsync(new ListInvites.Query(bob.User.Id)), Is.Empty);
    }

    [Test]
    public async Task Joining_a_public_room_with_a_pending_invite_accepts_it_too()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        Assert.That(await QuerySingleAsync<string>("SELECT status FROM room_invites WHERE id = @Id", new { invite.Id }), Is.EqualTo("accepted"));
    }

    [Test]
    public async Task Joining_again_answers_the_room_and_changes_nothing()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "General");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        var first = await SendAsync(new JoinRoom.Command(bob.User.Id, created.Id));
        await aliceTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined");
        var joinedAt = await QuerySingleAsync<DateTime>(
            "SELECT joined_at FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId", new { RoomId = created.Id, UserId = bob.User.Id });

        var again = await SendAsync(new JoinRoom.Command(bob.User.Id, created.Id));
        var response = await CreateClient(bob.AccessToken).PostAsync($"/rooms/{created.Id}/join", null);

        Assert.That(again, Is.EqualTo(first));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await QuerySingleAsync<DateTime>(
            "SELECT joined_at FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId", new { RoomId = created.Id, UserId = bob.User.Id }),
            Is.EqualTo(joinedAt), "seniority is kept");
        await aliceTab.AssertNoEventAsync("ParticipantJoined");
    }

    [Test]
    public async Task The_owner_joining_their_own_room_changes_nothing()
    {
        var alice = await RegisterAsync("alice");
        var created = await CreateRoomAsync(alice, "General");

        var room = await SendAsync(new JoinRoom.Command(alice.User.Id, created.Id));

        Assert.That(room, Is.EqualTo(created));
    }

    [Test]
    public async Task ParticipantJoined_reaches_every_participants_connections_including_the_joiners_own()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob", "Bob B.");
        var stranger = await RegisterAsync("stranger");
        var room = await CreateRoomAsync(alice, "General");
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var strangerTab = await HubClient.ConnectAsync(stranger.AccessToken);

        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        foreach (var tab in new[] { aliceTab1, aliceTab2, bobTab1, bobTab2 })
        {
            var joined = await tab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined");
            Assert.That(joined.RoomId, Is.EqualTo(room.Id));
            Assert.That(joined.User, Is.EqualTo(new UserSummary(bob.User.Id, "bob", "Bob B.", null)));
        }
        await strangerTab.AssertNoEventAsync("ParticipantJoined");
    }

    [Test]
    public async Task A_joiner_hears_the_rooms_later_events_on_connections_opened_before_joining()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);

        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        await aliceTab.InvokeAsync("StartTyping", new { roomId = room.Id });

        foreach (var tab in new[] { bobTab1, bobTab2 })
        {
            Assert.That((await tab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(bob.User.Id));
            Assert.That((await tab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(carol.User.Id));
            Assert.That(await tab.NextAsync<TypingEvent>("TypingStarted"), Is.EqualTo(new TypingEvent(room.Id, alice.User.Id)));
        }
    }

    [Test]
    public async Task A_connection_opened_after_joining_hears_the_room()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));

        Assert.That((await bobTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(carol.User.Id));
    }

    [Test]
    public async Task Over_http_joining_is_200_with_the_room_and_a_private_room_is_404()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var open = await CreateRoomAsync(alice, "General");
        var secret = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        using var client = CreateClient(bob.AccessToken);

        var joined = await client.PostAsync($"/rooms/{open.Id}/join", null);
        var refused = await client.PostAsync($"/rooms/{secret.Id}/join", null);

        Assert.That(joined.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await joined.Content.ReadFromJsonAsync<Room>())!.MyRole, Is.EqualTo("member"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Over_the_hub_JoinRoom_returns_the_room_and_the_joiner_hears_ParticipantJoined()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "General");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var room = await bobTab.Connection.InvokeAsync<Room>("JoinRoom", new { roomId = created.Id });

        Assert.That(room.MyRole, Is.EqualTo("member"));
        Assert.That(room.ParticipantCount, Is.EqualTo(2));
        Assert.That((await aliceTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(bob.User.Id));
        Assert.That((await bobTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(bob.User.Id));
    }

    [Test]
    public async Task Over_the_hub_joining_a_private_room_with_a_pending_invite_accepts_it()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, created.Id, bob.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var room = await bobTab.Connection.InvokeAsync<Room>("JoinRoom", new { roomId = created.Id });

        Assert.That(room.MyRole, Is.EqualTo("member"));
        Assert.That((await aliceTab.NextAsync<Invite>("RoomInviteResponded")).Id, Is.EqualTo(invite.Id));
        Assert.That((await bobTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(bob.User.Id));
    }

    [Test]
    public async Task Over_the_hub_a_missing_room_id_is_400_naming_roomId()
    {
        var bob = await RegisterAsync("bob");
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var empty = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("JoinRoom", new { }));
        var none = Assert.ThrowsAsync<HubException>(() => bobTab.Connection.InvokeAsync("JoinRoom", (object?)null));

        Assert.That(empty!.Message, Does.StartWith("400 Bad Request: roomId:"));
        Assert.That(none!.Message, Does.StartWith("400 Bad Request: roomId:"));
    }

    [Test]
    public async Task Over_the_hub_a_private_room_without_an_invite_is_404()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("JoinRoom", new { roomId = room.Id }));

        Assert.That(e!.Message, Does.StartWith("404 Not Found:"));
    }

    [Test]
    public async Task A_zero_room_id_is_invalid()
    {
        var bob = await RegisterAsync("bob");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new JoinRoom.Command(bob.User.Id, 0)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "roomId" }));
    }

    [Test]
    public async Task Many_users_joining_at_once_all_end_up_in_the_room_announced_once_each()
    {
        const int joiners = 20;
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "General");
        var users = new List<AuthResponse>();
        for (var i = 0; i < joiners; i++)
            users.Add(await RegisterAsync($"joiner{i}"));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        var clients = users.Select(u => CreateClient(u.AccessToken)).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostAsync($"/rooms/{room.Id}/join", null)));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        var participants = await QueryAsync<long>("SELECT user_id FROM room_participants WHERE room_id = @Id", new { room.Id });
        Assert.That(participants, Is.EquivalentTo(users.Select(u => u.User.Id).Append(alice.User.Id)));
        var announced = new List<long>();
        for (var i = 0; i < joiners; i++)
            announced.Add((await aliceTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id);
        Assert.That(announced, Is.EquivalentTo(users.Select(u => u.User.Id)));
        await aliceTab.AssertNoEventAsync("ParticipantJoined");
        clients.ForEach(c => c.Dispose());
    }

    [Test]
    public async Task One_user_joining_from_many_connections_at_once_joins_once()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        var clients = Enumerable.Range(0, 10).Select(_ => CreateClient(bob.AccessToken)).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostAsync($"/rooms/{room.Id}/join", null)));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_participants WHERE room_id = @Id", new { room.Id }), Is.EqualTo(2));
        Assert.That((await aliceTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined")).User.Id, Is.EqualTo(bob.User.Id));
        await aliceTab.AssertNoEventAsync("ParticipantJoined");
        clients.ForEach(c => c.Dispose());
    }

    [Test]
    public async Task Over_the_hub_an_argument_of_the_wrong_type_is_a_400()
    {
        var alice = await RegisterAsync("alice");
        await using var tab = await HubClient.ConnectAsync(alice.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => tab.InvokeAsync("JoinRoom", new { roomId = "abc" }));

        Assert.That(e!.Message, Does.StartWith("400 Bad Request: "));
    }

    [Test]
    public async Task Past_the_join_and_leave_rate_limit_joining_is_429_over_rest_and_the_hub()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        using var client = CreateClient(bob.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.JoinLeave>(() =>
            client.PostAsync($"/rooms/{room.Id}/join", null));
        var e = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync<Room>("JoinRoom", new { roomId = room.Id }));

        Assert.That(e!.Message, Does.StartWith("429 Too Many Requests: ").And.Contain(nameof(RateLimitPolicies.JoinLeave)));
    }

    [Test]
    public async Task A_room_joined_late_shows_none_of_its_history_as_unread()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        Messenger.Features.Messages.Message last = null!;
        for (var i = 1; i <= 3; i++)
            last = await SendAsync(new Messenger.Features.Messages.SendRoomMessage.SendRoomMessage.Command(alice.User.Id, room.Id, $"m{i}", null, null));

        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        var joined = (await SendAsync(new Messenger.Features.Conversations.ListConversations.ListConversations.Query(bob.User.Id, null, 50))).Single();
        Assert.That(joined.UnreadCount, Is.EqualTo(0));
        Assert.That(joined.LastReadMessageId, Is.EqualTo(last.Id));
        await SendAsync(new Messenger.Features.Messages.SendRoomMessage.SendRoomMessage.Command(alice.User.Id, room.Id, "after", null, null));
        Assert.That((await SendAsync(new Messenger.Features.Conversations.ListConversations.ListConversations.Query(bob.User.Id, null, 50)))
            .Single().UnreadCount, Is.EqualTo(1));
    }

    // A send in flight holds the room's conversation row and then locks the sender's participant
    // row; a join that took its participant row before waiting for the conversation row (to start
    // the read marker) would close that into a deadlock, and the send would fail.
    [Test]
    public async Task A_join_waiting_for_a_send_in_flight_never_deadlocks_it()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new Messenger.Features.Messages.SendRoomMessage.SendRoomMessage.Command(alice.User.Id, room.Id, "hi", null, null));
        await using var send = new MySqlConnector.MySqlConnection(ConnectionString);
        await send.OpenAsync();
        await using var transaction = await send.BeginTransactionAsync();
        await Dapper.SqlMapper.ExecuteAsync(send, "SELECT id FROM conversations WHERE room_id = @Id FOR UPDATE", new { room.Id }, transaction);

        var join = SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await Task.Delay(500);
        await Dapper.SqlMapper.ExecuteAsync(send, "SELECT user_id FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId FOR UPDATE",
            new { RoomId = room.Id, UserId = bob.User.Id }, transaction);
        await transaction.CommitAsync();

        Assert.That((await join).MyRole, Is.EqualTo("member"));
    }
}
