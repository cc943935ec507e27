using System.Text.Json;
using Messenger.Features.Auth;
using Messenger.Features.Auth.Refresh;
using Messenger.Features.Users.UpdateMe;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class UpdateMeTests : TestBase
{
    private const string NewPassword = "new-password-456";

    [Test]
    public async Task Only_the_fields_given_change()
    {
        var alice = await RegisterAsync("alice", "Alice");
        await SendAsync(Update(alice, bio: "Hello", notificationsEnabled: false));

        var updated = await SendAsync(Update(alice, displayName: "  Alice A.  "));

        Assert.That(updated.DisplayName, Is.EqualTo("Alice A."), "trimmed");
        Assert.That(updated.Bio, Is.EqualTo("Hello"));
        Assert.That(updated.NotificationsEnabled, Is.False);
        Assert.That(updated.Visibility, Is.EqualTo("public"));
        Assert.That(updated with { DisplayName = "Alice", Bio = "", NotificationsEnabled = true }, Is.EqualTo(alice.User),
            "nothing else changed");
    }

    [Test]
    public async Task Every_field_can_change_at_once_and_is_stored()
    {
        var alice = await RegisterAsync("alice");

        var updated = await SendAsync(Update(alice, displayName: "Al", bio: "Hi there", notificationsEnabled: false, visibility: "friends"));

        Assert.That(updated.DisplayName, Is.EqualTo("Al"));
        Assert.That(updated.Bio, Is.EqualTo("Hi there"));
        Assert.That(updated.NotificationsEnabled, Is.False);
        Assert.That(updated.Visibility, Is.EqualTo("friends"));
        Assert.That(await QuerySingleAsync<string>("SELECT visibility FROM users WHERE id = @Id", new { alice.User.Id }), Is.EqualTo("friends"));
    }

    [Test]
    public async Task An_empty_bio_clears_it()
    {
        var alice = await RegisterAsync("alice");
        await SendAsync(Update(alice, bio: "Hello"));

        var updated = await SendAsync(Update(alice, bio: ""));

        Assert.That(updated.Bio, Is.EqualTo(""));
    }

    [Test]
    public async Task A_bio_of_500_characters_is_accepted()
    {
        var alice = await RegisterAsync("alice");

        var updated = await SendAsync(Update(alice, bio: new string('b', 500)));

        Assert.That(updated.Bio, Has.Length.EqualTo(500));
    }

    [TestCase("", null, null, "displayName")]
    [TestCase("   ", null, null, "displayName")]
    [TestCase("65", null, null, "displayName")]
    [TestCase(null, "501", null, "bio")]
    [TestCase(null, null, "secret", "visibility")]
    public async Task Invalid_fields_are_refused_naming_the_field(string? displayName, string? bio, string? visibility, string field)
    {
        var alice = await RegisterAsync("alice");
        displayName = displayName == "65" ? new string('d', 65) : displayName;
        bio = bio == "501" ? new string('b', 501) : bio;

        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() =>
            SendAsync(Update(alice, displayName: displayName, bio: bio, visibility: visibility)));

        Assert.That(e!.Errors.Select(f => f.PropertyName).Distinct(), Is.EqualTo(new[] { field }));
        Assert.That(await QuerySingleAsync<string>("SELECT display_name FROM users WHERE id = @Id", new { alice.User.Id }), Is.EqualTo("alice"));
    }

    [Test]
    public async Task Lengths_count_code_points_so_64_and_500_emoji_code_points_are_accepted()
    {
        var alice = await RegisterAsync("alice");
        // 👩🏽‍💻 is 4 code points and 7 UTF-16 units.
        var displayName = string.Concat(Enumerable.Repeat("👩🏽\u200d💻", 16));
        var bio = string.Concat(Enumerable.Repeat("👩🏽\u200d💻", 125));

        var updated = await SendAsync(Update(alice, displayName: $" {displayName}  ", bio: bio));

        Assert.That(updated.DisplayName, Is.EqualTo(displayName), "trimmed and stored whole");
        Assert.That(updated.Bio, Is.EqualTo(bio));
        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() => SendAsync(Update(alice, displayName: displayName + "x", bio: bio + "x")));
        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EquivalentTo(new[] { "displayName", "bio" }), "65 and 501 code points");
        Assert.That(e.Errors.First(f => f.PropertyName == "bio").ErrorMessage, Is.EqualTo("must be 500 characters or fewer. You entered 501 characters"));
    }

    // As code points, so that the test names stay printable.
    [TestCase(0x202E)]
    [TestCase(0x2067)]
    [TestCase(0x01)]
    [TestCase(0x1B)]
    [TestCase(0x85)]
    public async Task A_display_name_with_a_control_or_bidi_character_is_refused_naming_it(int codePoint)
    {
        var alice = await RegisterAsync("alice");
        var displayName = $"Al{char.ConvertFromUtf32(codePoint)}ice";

        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() => SendAsync(Update(alice, displayName: displayName, bio: displayName)));

        Assert.That(e!.Errors.Select(f => f.PropertyName).Distinct(), Is.EqualTo(new[] { "displayName" }), "a bio is not a name");
        Assert.That(await QuerySingleAsync<string>("SELECT display_name FROM users WHERE id = @Id", new { alice.User.Id }), Is.EqualTo("alice"));
    }

    [Test]
    public async Task Http_invalid_fields_are_a_400_problem_naming_each_field()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        var response = await client.PatchAsJsonAsync("/users/me",
            new { displayName = new string('d', 65), bio = new string('b', 501), visibility = "secret" });

        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.EquivalentTo(new[] { "displayName", "bio", "visibility" }));
    }

    [Test]
    public async Task Http_a_wrong_json_type_is_a_400_problem_naming_the_field()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        var response = await client.PatchAsJsonAsync("/users/me", new { notificationsEnabled = "yes" });

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "notificationsEnabled" }));
    }

    [Test]
    public async Task Http_without_a_token_is_a_401_problem()
    {
        using var client = CreateClient();

        await ReadProblemAsync(await client.PatchAsJsonAsync("/users/me", new { bio = "x" }), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_new_password_without_the_current_one_is_refused_naming_currentPassword()
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() => SendAsync(Update(alice, newPassword: NewPassword)));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "currentPassword" }));
    }

    [Test]
    public async Task A_new_password_shorter_than_8_is_refused_naming_newPassword()
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() =>
            SendAsync(Update(alice, currentPassword: Password, newPassword: "short")));

        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "newPassword" }));
    }

    [Test]
    public async Task A_wrong_current_password_is_refused_naming_currentPassword_and_changes_nothing()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        var response = await client.PatchAsJsonAsync("/users/me",
            new { currentPassword = "wrong-password", newPassword = NewPassword, displayName = "Changed" });

        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.EqualTo(new[] { "currentPassword" }));
        Assert.That((await LoginAsync("alice")).User.DisplayName, Is.EqualTo("alice"), "the old password still works, nothing changed");
    }

    [Test]
    public async Task Of_password_changes_sent_at_once_with_the_same_current_password_one_succeeds_and_the_others_are_400()
    {
        var alice = await RegisterAsync("alice");
        var sessionId = await SessionIdAsync(alice);

        var changes = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            try
            {
                await SendAsync(Update(alice, currentPassword: Password, newPassword: $"{NewPassword}-{i}", sessionId: sessionId));
                return $"{NewPassword}-{i}";
            }
            catch (BadRequestException e) when (e.Field == "currentPassword")
            {
                return null;
            }
        })));

        var winner = changes.Where(c => c is not null).ToList();
        Assert.That(winner, Has.Count.EqualTo(1), "exactly one change wins");
        Assert.That((await LoginAsync("alice", winner.Single()!)).User.Id, Is.EqualTo(alice.User.Id), "the stored password is the winner's");
    }

    [Test]
    public async Task Ten_wrong_current_passwords_make_the_next_check_429_with_retry_after_even_with_the_right_one()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);
        for (var i = 0; i < 10; i++)
            Assert.That((await client.PatchAsJsonAsync("/users/me", new { currentPassword = "wrong-password", newPassword = NewPassword })).StatusCode,
                Is.EqualTo(HttpStatusCode.BadRequest), $"failure {i + 1}");

        var response = await client.PatchAsJsonAsync("/users/me", new { currentPassword = Password, newPassword = NewPassword });

        await ReadProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That((await LoginAsync("alice")).User.Id, Is.EqualTo(alice.User.Id), "the password did not change");
        Assert.That((await client.PatchAsJsonAsync("/users/me", new { bio = "still editable" })).StatusCode, Is.EqualTo(HttpStatusCode.OK),
            "only password checks are held back");
    }

    [Test]
    public async Task A_right_current_password_forgives_the_wrong_ones_before_it()
    {
        var alice = await RegisterAsync("alice");
        for (var i = 0; i < 9; i++)
            Assert.ThrowsAsync<BadRequestException>(() => SendAsync(Update(alice, currentPassword: "wrong-password", newPassword: NewPassword)));
        await SendAsync(Update(alice, currentPassword: Password, newPassword: NewPassword));

        for (var i = 0; i < 9; i++)
            Assert.ThrowsAsync<BadRequestException>(() => SendAsync(Update(alice, currentPassword: "wrong-password", newPassword: Password)),
                $"failure {i + 1} after the right one");
        var changed = await SendAsync(Update(alice, currentPassword: NewPassword, newPassword: Password));

        Assert.That(changed.Id, Is.EqualTo(alice.User.Id));
    }

    [Test]
    public async Task A_password_change_swaps_the_password()
    {
        var alice = await RegisterAsync("alice");

        await SendAsync(Update(alice, currentPassword: Password, newPassword: NewPassword, sessionId: await SessionIdAsync(alice)));

        Assert.That((await LoginAsync("alice", NewPassword)).User.Id, Is.EqualTo(alice.User.Id));
        Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync("alice", Password));
    }

    [Test]
    public async Task A_password_change_ends_the_other_sessions_but_not_the_one_that_made_it()
    {
        var alice = await RegisterAsync("alice");
        var laptop = await LoginAsync("alice");
        var phone = await LoginAsync("alice");
        var bob = await RegisterAsync("bob");
        using var fromAlice = CreateClient(alice.AccessToken);

        var response = await fromAlice.PatchAsJsonAsync("/users/me", new { currentPassword = Password, newPassword = NewPassword });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        foreach (var other in new[] { laptop, phone })
        {
            using var client = CreateClient(other.AccessToken);
            await ReadProblemAsync(await client.GetAsync("/users/me"), HttpStatusCode.Unauthorized);
            Assert.ThrowsAsync<UnauthorizedException>(() => SendAsync(new Refresh.Command(other.RefreshToken)));
        }
        Assert.That((await fromAlice.GetAsync("/users/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the changing session keeps working");
        Assert.That((await SendAsync(new Refresh.Command(alice.RefreshToken))).User.Id, Is.EqualTo(alice.User.Id));
        using var fromBob = CreateClient(bob.AccessToken);
        Assert.That((await fromBob.GetAsync("/users/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "other users are untouched");
    }

    [Test]
    public async Task Http_answers_the_updated_me_profile()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        var response = await client.PatchAsJsonAsync("/users/me", new { bio = "Hello", visibility = "friends" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(me.GetProperty("bio").GetString(), Is.EqualTo("Hello"));
        Assert.That(me.GetProperty("visibility").GetString(), Is.EqualTo("friends"));
        Assert.That(me.GetProperty("email").GetString(), Is.EqualTo("alice@example.com"));
    }

    private static UpdateMe.Command Update(AuthResponse user, string? displayName = null, string? bio = null, bool? notificationsEnabled = null,
        string? visibility = null, string? currentPassword = null, string? newPassword = null, long sessionId = 0) =>
        new(user.User.Id, sessionId, displayName, bio, notificationsEnabled, visibility, currentPassword, newPassword);

    private static Task<long> SessionIdAsync(AuthResponse user) =>
        QuerySingleAsync<long>("SELECT session_id FROM refresh_tokens WHERE token_hash = UNHEX(SHA2(@Token, 256))", new { Token = user.RefreshToken });

    [Test]
    public async Task Validation_messages_read_after_the_field_they_are_keyed_by()
    {
        var alice = await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() => SendAsync(Update(alice, bio: new string('b', 501))));

        Assert.That(e!.Errors.Single().ErrorMessage, Is.EqualTo("must be 500 characters or fewer. You entered 501 characters"));
    }

    [Test]
    public async Task A_password_change_closes_the_sockets_of_the_other_sessions_only()
    {
        var alice = await RegisterAsync("alice");
        var other = await LoginAsync("alice");
        await using var changing = await HubClient.ConnectAsync(alice.AccessToken);
        await using var elsewhere = await HubClient.ConnectAsync(other.AccessToken);
        var session = await QuerySingleAsync<long>("SELECT session_id FROM refresh_tokens WHERE token_hash = UNHEX(SHA2(@T, 256))",
            new { T = alice.RefreshToken });

        await SendAsync(new UpdateMe.Command(alice.User.Id, session, null, null, null, null, Password, "a-new-password"));

        await elsewhere.AssertClosedByServerAsync();
        Assert.That(changing.IsOpen, Is.True);
    }
}
