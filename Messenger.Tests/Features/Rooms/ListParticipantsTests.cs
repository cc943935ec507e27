using FluentValidation;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.ListParticipants;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class ListParticipantsTests : TestBase
{
    [Test]
    public async Task Participants_are_listed_longest_standing_first_with_their_roles()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var stranger = await RegisterAsync("stranger");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        // bob has the lower id, so only a strictly later joined_at can put him after carol.
        await NextMillisecondAsync();
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        var participants = await SendAsync(new ListParticipants.Query(stranger.User.Id, room.Id, 50));

        Assert.That(participants.Select(p => (p.User.Username, p.Role)),
            Is.EqualTo(new[] { ("alice", "owner"), ("carol", "member"), ("bob", "member") }));
        Assert.That(participants.Select(p => p.JoinedAt), Is.Ordered);
    }

    [Test]
    public async Task The_limit_is_honoured()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        var participants = await SendAsync(new ListParticipants.Query(bob.User.Id, room.Id, 1));

        Assert.That(participants.Select(p => p.User.Id), Is.EqualTo(new[] { alice.User.Id }));
    }

    [Test]
    public async Task A_private_rooms_participants_are_not_found_for_strangers()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var stranger = await RegisterAsync("stranger");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await SendAsync(new InviteToRoom.Command(alice.User.Id, room.Id, bob.User.Id));

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new ListParticipants.Query(stranger.User.Id, room.Id, 50)));
        var seenByInvitee = await SendAsync(new ListParticipants.Query(bob.User.Id, room.Id, 50));
        Assert.That(seenByInvitee.Select(p => p.User.Id), Is.EqualTo(new[] { alice.User.Id }));

        var response = await CreateClient(stranger.AccessToken).GetAsync($"/rooms/{room.Id}/participants");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task An_unknown_room_is_not_found()
    {
        var alice = await RegisterAsync("alice");

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new ListParticipants.Query(alice.User.Id, 999_999, 50)));
    }

    [TestCase(0)]
    [TestCase(101)]
    public async Task A_limit_outside_1_to_100_is_invalid(int limit)
    {
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "General");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new ListParticipants.Query(alice.User.Id, room.Id, limit)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "limit" }));
    }

    [Test]
    public async Task Over_http_participants_carry_user_summaries_and_a_bad_limit_is_400()
    {
        var alice = await RegisterAsync("alice", "Alice A.");
        var room = await CreateRoomAsync(alice, "General");
        using var client = CreateClient(alice.AccessToken);

        var participants = await client.GetFromJsonAsync<List<Participant>>($"/rooms/{room.Id}/participants");
        var bad = await client.GetAsync($"/rooms/{room.Id}/participants?limit=abc");

        Assert.That(participants!.Single().User.DisplayName, Is.EqualTo("Alice A."));
        Assert.That(participants!.Single().Role, Is.EqualTo("owner"));
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ProblemFieldsAsync(bad), Is.EqualTo(new[] { "limit" }));
    }
}
