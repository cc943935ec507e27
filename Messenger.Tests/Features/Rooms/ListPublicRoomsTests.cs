using FluentValidation;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.ListPublicRooms;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class ListPublicRoomsTests : TestBase
{
    [Test]
    public async Task Only_public_rooms_are_listed_ordered_by_name_ignoring_case()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await CreateRoomAsync(alice, "beta");
        await CreateRoomAsync(bob, "Gamma");
        await CreateRoomAsync(alice, "Alpha");
        await CreateRoomAsync(alice, "Aardvark club", isPrivate: true);

        var rooms = await SendAsync(new ListPublicRooms.Query(alice.User.Id, "", 50));

        Assert.That(rooms.Select(r => r.Name), Is.EqualTo(new[] { "Alpha", "beta", "Gamma" }),
            "the owner's own private room is not listed either");
        Assert.That(rooms.Select(r => r.MyRole), Is.EqualTo(new[] { "owner", "owner", null }));
    }

    [Test]
    public async Task The_query_is_a_case_insensitive_prefix_of_the_name()
    {
        var alice = await RegisterAsync("alice");
        await CreateRoomAsync(alice, "General");
        await CreateRoomAsync(alice, "gaming");
        await CreateRoomAsync(alice, "Big game");
        await CreateRoomAsync(alice, "Lounge");

        var rooms = await SendAsync(new ListPublicRooms.Query(alice.User.Id, "GA", 50));

        Assert.That(rooms.Select(r => r.Name), Is.EqualTo(new[] { "gaming" }));
        var both = await SendAsync(new ListPublicRooms.Query(alice.User.Id, "g", 50));
        Assert.That(both.Select(r => r.Name), Is.EqualTo(new[] { "gaming", "General" }));
    }

    [Test]
    public async Task Wildcards_in_the_query_match_only_themselves()
    {
        var alice = await RegisterAsync("alice");
        await CreateRoomAsync(alice, "100% fun");
        await CreateRoomAsync(alice, "1000 fun");
        await CreateRoomAsync(alice, "a_b");
        await CreateRoomAsync(alice, "axb");

        var percent = await SendAsync(new ListPublicRooms.Query(alice.User.Id, "100%", 50));
        var underscore = await SendAsync(new ListPublicRooms.Query(alice.User.Id, "a_", 50));

        Assert.That(percent.Select(r => r.Name), Is.EqualTo(new[] { "100% fun" }));
        Assert.That(underscore.Select(r => r.Name), Is.EqualTo(new[] { "a_b" }));
    }

    [Test]
    public async Task The_limit_is_honoured_and_counts_show_participants()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var a = await CreateRoomAsync(alice, "A");
        await CreateRoomAsync(alice, "B");
        await CreateRoomAsync(alice, "C");
        await SendAsync(new JoinRoom.Command(bob.User.Id, a.Id));

        var rooms = await SendAsync(new ListPublicRooms.Query(bob.User.Id, "", 2));

        Assert.That(rooms.Select(r => r.Name), Is.EqualTo(new[] { "A", "B" }));
        Assert.That(rooms[0].ParticipantCount, Is.EqualTo(2));
        Assert.That(rooms[0].MyRole, Is.EqualTo("member"));
    }

    [TestCase(0)]
    [TestCase(101)]
    public async Task A_limit_outside_1_to_100_is_invalid(int limit)
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new ListPublicRooms.Query(alice.User.Id, "", limit)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "limit" }));
    }

    [Test]
    public async Task A_query_longer_than_a_name_is_invalid()
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new ListPublicRooms.Query(alice.User.Id, new string('q', 81), 50)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "query" }));
    }

    [TestCase("0")]
    [TestCase("101")]
    [TestCase("abc")]
    public async Task Over_http_a_bad_limit_is_400_naming_limit(string limit)
    {
        var alice = await RegisterAsync("alice");

        var response = await CreateClient(alice.AccessToken).GetAsync($"/rooms?limit={limit}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "limit" }));
    }

    [Test]
    public async Task Over_http_query_and_limit_are_optional()
    {
        var alice = await RegisterAsync("alice");
        await CreateRoomAsync(alice, "General");
        await CreateRoomAsync(alice, "Lounge");

        var all = await CreateClient(alice.AccessToken).GetFromJsonAsync<List<Room>>("/rooms");
        var some = await CreateClient(alice.AccessToken).GetFromJsonAsync<List<Room>>("/rooms?query=lou&limit=1");

        Assert.That(all!.Select(r => r.Name), Is.EqualTo(new[] { "General", "Lounge" }));
        Assert.That(some!.Select(r => r.Name), Is.EqualTo(new[] { "Lounge" }));
    }
}
