using FluentValidation;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.RespondToInvite;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class InviteToRoomTests : TestBase
{
    [Test]
    public async Task A_participant_invites_and_every_connection_of_the_invitee_hears_it()
    {
        var alice = await RegisterAsync("alice", "Alice A.");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);

        var invite = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        Assert.That(invite.Status, Is.EqualTo("pending"));
        Assert.That(invite.Room, Is.EqualTo(new InviteRoom(room.Id, "Secret", true)));
        Assert.That(invite.Inviter.Id, Is.EqualTo(alice.User.Id));
        Assert.That(invite.Inviter.DisplayName, Is.EqualTo("Alice A."));
        Assert.That(invite.Invitee.Id, Is.EqualTo(bob.User.Id));
        Assert.That(invite.RespondedAt, Is.Null);
        foreach (var tab in new[] { bobTab1, bobTab2 })
            Assert.That((await tab.NextAsync<Invite>("RoomInviteReceived")).Id, Is.EqualTo(invite.Id));
        await aliceTab.AssertNoEventAsync("RoomInviteReceived");
    }

    [Test]
    public async Task A_member_who_is_not_the_owner_may_invite()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        var invite = await SendAsync(new InviteToRoom.Command(bob.User.Id, room.Id, carol.User.Id));

        Assert.That(invite.Inviter.Id, Is.EqualTo(bob.User.Id));
        Assert.That(invite.Room.IsPrivate, Is.False);
    }

    [Test]
    public async Task A_non_participant_of_a_public_room_is_forbidden()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new InviteToRoom.Command(bob.User.Id, room.Id, carol.User.Id)));

        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_invites"), Is.Zero);
    }

    [Test]
    public async Task A_non_participant_of_a_private_room_they_cannot_see_gets_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new InviteToRoom.Command(bob.User.Id, room.Id, carol.User.Id)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new InviteToRoom.Command(bob.User.Id, 999_999, carol.User.Id)));
    }

    [Test]
    public async Task Someone_only_invited_to_a_private_room_may_not_invite_others()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new InviteToRoom.Command(bob.User.Id, room.Id, carol.User.Id)));
    }

    [Test]
    public async Task Inviting_an_unknown_user_is_not_found()
    {
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "General");

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, alice.User.Id + 1000)));
    }

    [Test]
    public async Task Inviting_a_participant_is_a_conflict_naming_userId()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        var e = Assert.ThrowsAsync<ConflictException>(() => SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id)));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new InviteToRoom.Command(bob.User.Id, room.Id, alice.User.Id)));

        Assert.That(e!.Field, Is.EqualTo("userId"));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_invites"), Is.Zero);
    }

    [Test]
    public async Task Inviting_someone_already_invited_is_a_conflict_whoever_invites()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, carol.User.Id));

        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, carol.User.Id)));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new InviteToRoom.Command(bob.User.Id, room.Id, carol.User.Id)));

        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_invites"), Is.EqualTo(1));
    }

    [Test]
    public async Task After_a_rejection_the_user_may_be_invited_again()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var first = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));
        await SendAsync(new RespondToInvite.Command(bob.User.Id, first.Id, false));

        var again = await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        Assert.That(again.Status, Is.EqualTo("pending"));
        Assert.That(again.Id, Is.Not.EqualTo(first.Id));
    }

    [Test]
    public async Task The_same_invite_raced_at_once_is_stored_once()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        var clients = Enumerable.Range(0, 8).Select(_ => CreateClient(alice.AccessToken)).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostAsJsonAsync($"/rooms/{room.Id}/invite", new { userId = bob.User.Id })));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Conflict), Is.EqualTo(7));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM room_invites"), Is.EqualTo(1));
        clients.ForEach(c => c.Dispose());
    }

    [Test]
    public async Task Over_http_an_invite_is_201_and_conflicts_name_userId()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        using var client = CreateClient(alice.AccessToken);

        var created = await client.PostAsJsonAsync($"/rooms/{room.Id}/invite", new { userId = bob.User.Id });
        var twice = await client.PostAsJsonAsync($"/rooms/{room.Id}/invite", new { userId = bob.User.Id });

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await created.Content.ReadFromJsonAsync<Invite>())!.Status, Is.EqualTo("pending"));
        Assert.That(created.Headers.Location, Is.Null, "an invite has no address of its own");
        Assert.That(twice.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await ProblemFieldsAsync(twice), Is.EqualTo(new[] { "userId" }));
    }

    [Test]
    public async Task A_missing_userId_is_400_naming_it()
    {
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "General");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, 0)));
        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/rooms/{room.Id}/invite", new { });

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "userId" }));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "userId" }));
    }

    [Test]
    public async Task Past_the_invites_rate_limit_inviting_is_429_with_retry_after()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        using var client = CreateClient(alice.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Invites>(() =>
            client.PostAsJsonAsync($"/rooms/{room.Id}/invite", new { userId = bob.User.Id }));
    }
}
