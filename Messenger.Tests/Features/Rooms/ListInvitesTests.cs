using Messenger.Features.Rooms;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.ListInvites;
using Messenger.Features.Rooms.RespondToInvite;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class ListInvitesTests : TestBase
{
    [Test]
    public async Task Only_my_pending_invites_are_listed_oldest_first()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var first = await CreateRoomAsync(alice, "First", isPrivate: true);
        var second = await CreateRoomAsync(alice, "Second");
        var rejected = await CreateRoomAsync(alice, "Rejected", isPrivate: true);
        var accepted = await CreateRoomAsync(alice, "Accepted", isPrivate: true);
        var firstInvite = await SendAsync(new InviteToRoom.Command(alice.User.Id, first.Id, bob.User.Id));
        var secondInvite = await SendAsync(new InviteToRoom.Command(alice.User.Id, second.Id, bob.User.Id));
        var toReject = await SendAsync(new InviteToRoom.Command(alice.User.Id, rejected.Id, bob.User.Id));
        var toAccept = await SendAsync(new InviteToRoom.Command(alice.User.Id, accepted.Id, bob.User.Id));
        await SendAsync(new InviteToRoom.Command(alice.User.Id, first.Id, carol.User.Id));
        await SendAsync(new RespondToInvite.Command(bob.User.Id, toReject.Id, false));
        await SendAsync(new RespondToInvite.Command(bob.User.Id, toAccept.Id, true));

        var invites = await SendAsync(new ListInvites.Query(bob.User.Id));

        Assert.That(invites, Is.EqualTo(new[] { firstInvite, secondInvite }));
        Assert.That(await SendAsync(new ListInvites.Query(alice.User.Id)), Is.Empty, "invites I sent are not mine to answer");
    }

    [Test]
    public async Task Over_http_invites_carry_the_room_and_both_users()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        var invites = await CreateClient(bob.AccessToken).GetFromJsonAsync<List<Invite>>("/invites");

        var invite = invites!.Single();
        Assert.That(invite.Room, Is.EqualTo(new InviteRoom(room.Id, "Secret", true)));
        Assert.That((invite.Inviter.Username, invite.Invitee.Username, invite.Status), Is.EqualTo(("alice", "bob", "pending")));
    }
}
