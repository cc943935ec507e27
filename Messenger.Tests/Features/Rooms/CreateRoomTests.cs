using System.Text.Json;
using FluentValidation;
using Messenger.Infrastructure.Realtime;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.CreateRoom;
using Messenger.Features.Rooms.JoinRoom;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Rooms;

public sealed class CreateRoomTests : TestBase
{
    [Test]
    public async Task The_creator_is_the_owner_and_only_participant()
    {
        var alice = await RegisterAsync("alice");

        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, "  General  ", null, false));

        Assert.That(room.Name, Is.EqualTo("General"));
        Assert.That(room.Description, Is.EqualTo(""), "a description left out is \"\", never null");
        Assert.That(room.IsPrivate, Is.False);
        Assert.That(room.OwnerId, Is.EqualTo(alice.User.Id));
        Assert.That(room.MyRole, Is.EqualTo("owner"));
        Assert.That(room.ParticipantCount, Is.EqualTo(1));
        var participants = await QueryAsync<long>("SELECT user_id FROM room_participants WHERE room_id = @Id", new { room.Id });
        Assert.That(participants, Is.EqualTo(new[] { alice.User.Id }));
    }

    [Test]
    public async Task A_private_room_keeps_its_description()
    {
        var alice = await RegisterAsync("alice");

        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, "Team", "Only the team", true));

        Assert.That(room.IsPrivate, Is.True);
        Assert.That(room.Description, Is.EqualTo("Only the team"));
        Assert.That(await QuerySingleAsync<bool>("SELECT is_private FROM rooms WHERE id = @Id", new { room.Id }), Is.True);
    }

    [Test]
    public async Task Names_of_80_and_descriptions_of_500_characters_are_accepted()
    {
        var alice = await RegisterAsync("alice");

        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, new string('n', 80), new string('d', 500), false));

        Assert.That(room.Name, Has.Length.EqualTo(80));
        Assert.That(room.Description, Has.Length.EqualTo(500));
    }

    [Test]
    public async Task The_creators_open_connections_hear_the_room_at_once()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));

        var joined = await aliceTab.NextAsync<ParticipantJoinedEvent>("ParticipantJoined");
        Assert.That(joined.RoomId, Is.EqualTo(room.Id));
        Assert.That(joined.User.Id, Is.EqualTo(bob.User.Id));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase(null)]
    public async Task An_empty_name_is_invalid(string? name)
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new CreateRoom.Command(alice.User.Id, name!, null, false)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "name" }));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM rooms"), Is.Zero);
    }

    [Test]
    public async Task A_name_of_81_characters_is_invalid()
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<ValidationException>(() =>
            SendAsync(new CreateRoom.Command(alice.User.Id, new string('n', 81), null, false)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "name" }));
    }

    [Test]
    public async Task A_description_of_501_characters_is_invalid()
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<ValidationException>(() =>
            SendAsync(new CreateRoom.Command(alice.User.Id, "General", new string('d', 501), false)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "description" }));
    }

    [Test]
    public async Task Lengths_count_code_points_so_80_and_500_emoji_code_points_are_accepted()
    {
        var alice = await RegisterAsync("alice");
        // 👩🏽‍💻 is 4 code points and 7 UTF-16 units.
        var name = string.Concat(Enumerable.Repeat("👩🏽\u200d💻", 20));
        var description = string.Concat(Enumerable.Repeat("👩🏽\u200d💻", 125));

        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, $"  {name} ", description, false));

        Assert.That(room.Name, Is.EqualTo(name), "trimmed and stored whole");
        Assert.That(await QuerySingleAsync<string>("SELECT description FROM rooms WHERE id = @Id", new { room.Id }), Is.EqualTo(description));
        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new CreateRoom.Command(alice.User.Id, name + "x", description + "x", false)));
        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EquivalentTo(new[] { "name", "description" }), "81 and 501 code points");
    }

    // As code points, so that the test names stay printable.
    [TestCase(0x202E)]
    [TestCase(0x202A)]
    [TestCase(0x2066)]
    [TestCase(0x2069)]
    [TestCase(0x00)]
    [TestCase(0x07)]
    [TestCase(0x1B)]
    [TestCase(0x85)]
    [TestCase(0x9B)]
    public async Task A_name_with_a_control_or_bidi_character_is_refused_naming_it(int codePoint)
    {
        var alice = await RegisterAsync("alice");
        var name = $"General{char.ConvertFromUtf32(codePoint)}chat";

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new CreateRoom.Command(alice.User.Id, name, name, false)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "name" }), "a description is not a name");
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM rooms"), Is.Zero);
    }

    [Test]
    public async Task A_name_with_joiners_marks_and_a_tab_is_accepted()
    {
        var alice = await RegisterAsync("alice");

        var room = await SendAsync(new CreateRoom.Command(alice.User.Id, "👩\u200d💻 dev\u200c\u200e\u200f\tteam", null, false));

        Assert.That(room.Name, Is.EqualTo("👩\u200d💻 dev\u200c\u200e\u200f\tteam"));
    }

    [Test]
    public async Task Over_http_a_name_with_a_bidi_override_is_400_naming_it()
    {
        var alice = await RegisterAsync("alice");

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync("/rooms", new { name = "\u202Egnp.exe", isPrivate = false });

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "name" }));
    }

    [Test]
    public async Task IsPrivate_is_required()
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new CreateRoom.Command(alice.User.Id, "General", null, null)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "isPrivate" }));
    }

    [Test]
    public async Task Over_http_a_room_is_201_with_its_location_and_an_empty_description()
    {
        var alice = await RegisterAsync("alice");

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync("/rooms", new { name = "General", isPrivate = false });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = json.RootElement.GetProperty("id").GetInt64();
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo($"/rooms/{id}"));
        Assert.That(json.RootElement.GetProperty("description").GetString(), Is.EqualTo(""));
        Assert.That(json.RootElement.GetProperty("myRole").GetString(), Is.EqualTo("owner"));
        Assert.That(json.RootElement.GetProperty("participantCount").GetInt64(), Is.EqualTo(1));
        Assert.That(json.RootElement.GetProperty("createdAt").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
    }

    [Test]
    public async Task Over_http_leaving_out_isPrivate_is_400_naming_it()
    {
        var alice = await RegisterAsync("alice");

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync("/rooms", new { name = "General" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "isPrivate" }));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM rooms"), Is.Zero);
    }

    [Test]
    public async Task Over_http_leaving_out_the_name_is_400_naming_it()
    {
        var alice = await RegisterAsync("alice");

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync("/rooms", new { isPrivate = true });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "name" }));
    }

    [Test]
    public async Task Over_http_a_wrongly_typed_isPrivate_is_400_naming_it()
    {
        var alice = await RegisterAsync("alice");

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync("/rooms", new { name = "General", isPrivate = "yes" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "isPrivate" }));
    }

    [Test]
    public async Task Without_a_token_it_is_401()
    {
        var response = await CreateClient().PostAsJsonAsync("/rooms", new { name = "General", isPrivate = false });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }
}
