using Messenger.Features.Messages;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.CreateRoom;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
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
}
