using Messenger.Features.Rooms;
using Messenger.Features.Rooms.GetRoom;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.RespondToInvite;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class GetRoomTests : TestBase
{
    [Test]
    public async Task A_public_room_is_visible_to_anyone_with_no_role_for_outsiders()
    {
        var alice = await RegisterAsync("alice");
        var stranger = await RegisterAsync("stranger");
        var created = await CreateRoomAsync(alice, "General");

        var room = await SendAsync(new GetRoom.Query(stranger.User.Id, created.Id));

        Assert.That(room, Is.EqualTo(created with { MyRole = null }));
    }

    [Test]
    public async Task The_role_is_the_viewers_own()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, created.Id));

        var asOwner = await SendAsync(new GetRoom.Query(alice.User.Id, created.Id));
        var asMember = await SendAsync(new GetRoom.Query(bob.User.Id, created.Id));

        Assert.That(asOwner.MyRole, Is.EqualTo("owner"));
        Assert.That(asMember.MyRole, Is.EqualTo("member"));
        Assert.That(asMember.ParticipantCount, Is.EqualTo(2));
        Assert.That(asMember.OwnerId, Is.EqualTo(alice.User.Id));
    }

    [Test]
    public async Task A_private_room_is_not_found_for_a_stranger()
    {
        var alice = await RegisterAsync("alice");
        var stranger = await RegisterAsync("stranger");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new GetRoom.Query(stranger.User.Id, room.Id)));

        var response = await CreateClient(stranger.AccessToken).GetAsync($"/rooms/{room.Id}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("Secret"));
    }

    [Test]
    public async Task A_private_room_is_visible_to_a_participant()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, created.Id, bob.User.Id));
        await SendAsync(new RespondToInvite.Command(bob.User.Id, invite.Id, true));

        var room = await SendAsync(new GetRoom.Query(bob.User.Id, created.Id));

        Assert.That(room.Name, Is.EqualTo("Secret"));
        Assert.That(room.IsPrivate, Is.True);
        Assert.That(room.MyRole, Is.EqualTo("member"));
    }

    [Test]
    public async Task A_private_room_is_visible_to_a_user_with_a_pending_invite()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var created = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await SendAsync(new InviteToRoom.Command(alice.User.Id, created.Id, bob.User.Id));

        var room = await SendAsync(new GetRoom.Query(bob.User.Id, created.Id));

        Assert.That(room.Name, Is.EqualTo("Secret"));
        Assert.That(room.MyRole, Is.Null, "invited is not yet a participant");
        Assert.That(room.ParticipantCount, Is.EqualTo(1));
    }

    [Test]
    public async Task An_unknown_room_is_not_found()
    {
        var alice = await RegisterAsync("alice");

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new GetRoom.Query(alice.User.Id, 999_999)));

        var response = await CreateClient(alice.AccessToken).GetAsync("/rooms/999999");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Over_http_the_room_comes_back_as_the_viewer_sees_it()
    {
        var alice = await RegisterAsync("alice");
        var created = await CreateRoomAsync(alice, "General");

        var room = await CreateClient(alice.AccessToken).GetFromJsonAsync<Room>($"/rooms/{created.Id}");

        Assert.That(room, Is.EqualTo(created));
    }
}
