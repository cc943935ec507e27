using Messenger.Features.Rooms;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.LeaveRoom;
using Messenger.Features.Rooms.ListMyRooms;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class ListMyRoomsTests : TestBase
{
    [Test]
    public async Task Exactly_the_rooms_I_am_in_are_listed_with_my_role()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await CreateRoomAsync(alice, "Mine");
        var joined = await CreateRoomAsync(bob, "Joined");
        await CreateRoomAsync(bob, "Not joined");
        var invitedOnly = await CreateRoomAsync(bob, "Invited only", isPrivate: true);
        await SendAsync(new JoinRoom.Command(alice.User.Id, joined.Id));
        await SendAsync(new InviteToRoom.Command(bob.User.Id, invitedOnly.Id, alice.User.Id));

        var rooms = await SendAsync(new ListMyRooms.Query(alice.User.Id));

        Assert.That(rooms.Select(r => (r.Name, r.MyRole)), Is.EqualTo(new[] { ("Joined", "member"), ("Mine", "owner") }));
    }

    [Test]
    public async Task A_room_I_left_is_no_longer_mine()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(bob, "General");
        await SendAsync(new JoinRoom.Command(alice.User.Id, room.Id));

        await SendAsync(new LeaveRoom.Command(alice.User.Id, room.Id));

        Assert.That(await SendAsync(new ListMyRooms.Query(alice.User.Id)), Is.Empty);
    }

    [Test]
    public async Task Over_http_private_rooms_I_am_in_are_listed_too()
    {
        var alice = await RegisterAsync("alice");
        await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await CreateRoomAsync(alice, "Open");

        var rooms = await CreateClient(alice.AccessToken).GetFromJsonAsync<List<Room>>("/rooms/mine");

        Assert.That(rooms!.Select(r => (r.Name, r.IsPrivate)), Is.EqualTo(new[] { ("Open", false), ("Secret", true) }));
    }
}
