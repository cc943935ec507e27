using Messenger.Features.Messages.ListRoomMessages;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.CreateRoom;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class ListRoomMessagesTests : TestBase
{
    [Test]
    public async Task Anyone_signed_in_reads_a_public_room()
    {
        var alice = await RegisterAsync("alice");
        var visitor = await RegisterAsync("visitor");
        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, "open", null, false));
        var first = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "one", null, null));
        var second = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "two", null, null));

        var page = await SendAsync(new ListRoomMessages.Query(visitor.User.Id, room.Id, null, null, null, 50));

        Assert.That(page.Items.Select(m => m.Id), Is.EqualTo(new[] { first.Id, second.Id }));
        Assert.That(page.Items.Select(m => m.RoomId), Is.All.EqualTo(room.Id));
    }

    [Test]
    public async Task A_private_room_is_read_only_by_its_participants()
    {
        var alice = await RegisterAsync("alice");
        var invitee = await RegisterAsync("invitee");
        var stranger = await RegisterAsync("stranger");
        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, "secret", null, true));
        await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "psst", null, null));
        await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, invitee.User.Id));

        Assert.That((await SendAsync(new ListRoomMessages.Query(alice.User.Id, room.Id, null, null, null, 50))).Items, Has.Count.EqualTo(1));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new ListRoomMessages.Query(invitee.User.Id, room.Id, null, null, null, 50)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new ListRoomMessages.Query(stranger.User.Id, room.Id, null, null, null, 50)));
    }
}
