using System.Net;
using System.Net.Http.Json;
using Dapper;
using Messenger.Features.Messages;
using Messenger.Features.Messages.ListRoomMessages;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.CreateRoom;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.LeaveRoom;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class SendRoomMessageTests : TestBase
{
    [Test]
    public async Task Three_users_with_two_connections_each_all_receive_a_room_message_the_senders_included()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, "general", null, false));
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        var tabs = new List<HubClient>();
        foreach (var user in new[] { alice, bob, carol })
        {
            tabs.Add(await HubClient.ConnectAsync(user.AccessToken));
            tabs.Add(await HubClient.ConnectAsync(user.AccessToken));
        }

        var sent = await tabs[2].InvokeAsync<Message>("SendRoomMessage", new { roomId = room.Id, body = "hello room" });

        Assert.That(sent.RoomId, Is.EqualTo(room.Id));
        Assert.That(sent.RecipientId, Is.Null);
        Assert.That(sent.SenderId, Is.EqualTo(bob.User.Id));
        foreach (var tab in tabs)
            Assert.That((await tab.NextAsync<Message>("MessageReceived")).Id, Is.EqualTo(sent.Id));
        foreach (var tab in tabs)
            await tab.DisposeAsync();
    }

    [Test]
    public async Task A_public_room_you_have_not_joined_is_forbidden_and_an_unseen_private_room_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var open = await SendAsync(new CreateRoom.Command(alice.User.Id, "open", null, false));
        var secret = await SendAsync(new CreateRoom.Command(alice.User.Id, "secret", null, true));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var forbidden = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("SendRoomMessage", new { roomId = open.Id, body = "hi" }));
        var missing = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("SendRoomMessage", new { roomId = secret.Id, body = "hi" }));

        Assert.That(forbidden!.Message, Does.StartWith($"403 Forbidden: you are not a participant of room {open.Id}"));
        Assert.That(missing!.Message, Does.StartWith($"404 Not Found: room {secret.Id} not found"));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.Zero);
    }

    [Test]
    public async Task An_invitee_who_has_not_joined_cannot_send_yet()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var secret = await SendAsync(new CreateRoom.Command(alice.User.Id, "secret", null, true));
        await SendAsync(new InviteToRoom.Command(alice.User.Id, secret.Id, bob.User.Id));

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new SendRoomMessage.Command(bob.User.Id, secret.Id, "hi", null, null)));
    }

    [Test]
    public async Task The_rest_twin_answers_201()
    {
        var alice = await RegisterAsync("alice");
        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, "general", null, false));

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/rooms/{room.Id}/messages", new { body = "hi", clientMessageId = "r-1" });
        var again = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/rooms/{room.Id}/messages", new { body = "hi", clientMessageId = "r-1" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await again.Content.ReadFromJsonAsync<Message>())!.Id, Is.EqualTo((await response.Content.ReadFromJsonAsync<Message>())!.Id));
    }

    [Test]
    public async Task A_burst_of_concurrent_sends_from_several_users_reaches_every_connection_in_version_order()
    {
        var users = new[] { await RegisterAsync("alice"), await RegisterAsync("bob"), await RegisterAsync("carol") };
        var room = await CreateRoomAsync(users[0], "burst");
        foreach (var user in users.Skip(1))
            await SendAsync(new JoinRoom.Command(user.User.Id, room.Id));
        var tabs = new List<HubClient>();
        foreach (var user in users)
        {
            tabs.Add(await HubClient.ConnectAsync(user.AccessToken));
            tabs.Add(await HubClient.ConnectAsync(user.AccessToken));
        }

        // Each user sends its whole burst at once, half over its first tab and half over REST.
        var sends = users.SelectMany((user, u) => Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? tabs[2 * u].InvokeAsync<Message>("SendRoomMessage", new { roomId = room.Id, body = $"{user.User.Username} {i}" })
            : PostAsync(user, room.Id, $"{user.User.Username} {i}")));
        var sent = await Task.WhenAll(sends);

        Assert.That(sent.Select(m => m.Version), Is.EquivalentTo(Enumerable.Range(1, sent.Length).Select(v => (long)v)),
            "versions are unique and leave no gap");
        foreach (var tab in tabs)
        {
            var received = new List<Message>();
            for (var i = 0; i < sent.Length; i++)
                received.Add(await tab.NextAsync<Message>("MessageReceived"));
            Assert.That(received.Select(m => m.Version), Is.Ordered.Ascending.And.Unique);
            Assert.That(received.Select(m => m.Id), Is.EquivalentTo(sent.Select(m => m.Id)));
        }
        var history = await SendAsync(new ListRoomMessages.Query(users[0].User.Id, room.Id, null, null, 0, 100));
        Assert.That(history.Items.Select(m => m.Version), Is.Ordered.Ascending);
        Assert.That(history.Items.Select(m => m.Id), Is.EquivalentTo(sent.Select(m => m.Id)));
        Assert.That(history.Version, Is.EqualTo(sent.Length));
        foreach (var tab in tabs)
            await tab.DisposeAsync();
    }

    [Test]
    public async Task A_leave_that_commits_while_a_send_waits_stops_the_message()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "general");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        // A leave in flight: bob's participant row is gone in a transaction not yet committed.
        await using var leave = new MySqlConnection(ConnectionString);
        await leave.OpenAsync();
        await using var transaction = await leave.BeginTransactionAsync();
        await leave.ExecuteAsync("DELETE FROM room_participants WHERE room_id = @RoomId AND user_id = @UserId",
            new { RoomId = room.Id, UserId = bob.User.Id }, transaction);
        var send = SendAsync(new SendRoomMessage.Command(bob.User.Id, room.Id, "too late", null, null));
        await Task.Delay(300);
        Assert.That(send.IsCompleted, Is.False, "the send waits for the leave's lock");
        await transaction.CommitAsync();

        Assert.ThrowsAsync<ForbiddenException>(() => send);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.Zero);
    }

    [Test]
    public async Task Sends_racing_a_real_leave_either_land_before_it_or_are_forbidden_never_deadlock()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "general");

        for (var round = 0; round < 8; round++)
        {
            await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
            var sends = Enumerable.Range(0, 2).Select(i => SendAsync(new SendRoomMessage.Command(bob.User.Id, room.Id, $"{round}.{i}", null, null)))
                .Select(async send =>
                {
                    try
                    {
                        await send;
                    }
                    catch (ForbiddenException)
                    {
                    }
                }).ToList();
            await Task.WhenAll([..sends, SendAsync(new LeaveRoom.Command(bob.User.Id, room.Id))]);
        }
    }

    private static async Task<Message> PostAsync(Messenger.Features.Auth.AuthResponse user, long roomId, string body)
    {
        var response = await CreateClient(user.AccessToken).PostAsJsonAsync($"/rooms/{roomId}/messages", new { body });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Message>())!;
    }
}
