using Messenger.Features.Auth.Register;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Auth;

public sealed class RegisterTests : TestBase
{
    [Test]
    public async Task Registering_creates_the_user_and_signs_in()
    {
        var response = await SendAsync(new Register.Command("alice", "Alice@Example.com", Password, null, TestAddress));

        Assert.That(response.User.Username, Is.EqualTo("alice"));
        Assert.That(response.User.DisplayName, Is.EqualTo("alice"), "displayName defaults to the username");
        Assert.That(response.User.Email, Is.EqualTo("Alice@Example.com"));
        Assert.That(response.User.Bio, Is.EqualTo(""));
        Assert.That(response.User.Visibility, Is.EqualTo("public"));
        Assert.That(response.AccessToken, Is.Not.Empty);
        Assert.That(response.RefreshToken, Is.Not.Empty);
        Assert.That(response.RefreshTokenExpiresAt, Is.GreaterThan(response.AccessTokenExpiresAt));
        var hash = await QuerySingleAsync<string>("SELECT password_hash FROM users WHERE id = @Id", new { response.User.Id });
        Assert.That(hash, Does.StartWith("$argon2id$"));
        Assert.That(hash, Does.Not.Contain(Password));
        var storedToken = await QuerySingleAsync<long>("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = UNHEX(SHA2(@Token, 256))",
            new { Token = response.RefreshToken });
        Assert.That(storedToken, Is.EqualTo(1), "only the token's SHA-256 is stored");
    }

    [Test]
    public async Task Display_name_is_kept_when_given()
    {
        var response = await SendAsync(new Register.Command("bob", "bob@example.com", Password, "  Bob B.  ", TestAddress));
        Assert.That(response.User.DisplayName, Is.EqualTo("Bob B."));
    }

    [TestCase("ALICE", "other@example.com", "username")]
    [TestCase("other", "ALICE@EXAMPLE.COM", "email")]
    public async Task A_taken_username_or_email_ignoring_case_is_a_conflict_naming_the_field(string username, string email, string field)
    {
        await RegisterAsync("alice");

        var e = Assert.ThrowsAsync<ConflictException>(() => SendAsync(new Register.Command(username, email, Password, null, TestAddress)));
        Assert.That(e!.Field, Is.EqualTo(field));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM users"), Is.EqualTo(1));
    }

    [Test]
    public async Task Twenty_registrations_from_one_address_make_the_next_a_429_with_retry_after()
    {
        using var client = CreateClient();
        for (var i = 0; i < 20; i++)
        {
            // Taken names count too: probing which names exist costs the same as registering.
            var username = i == 19 ? "user0" : $"user{i}";
            var status = (await client.PostAsJsonAsync("/auth/register", new { username, email = $"{username}-{i}@example.com", password = Password }))
                .StatusCode;
            Assert.That(status, Is.EqualTo(i == 19 ? HttpStatusCode.Conflict : HttpStatusCode.Created), $"registration {i + 1}");
        }

        var response = await client.PostAsJsonAsync("/auth/register", new { username = "one-more", email = "one-more@example.com", password = Password });

        await ReadProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(response.Headers.RetryAfter!.Delta, Is.LessThanOrEqualTo(TimeSpan.FromHours(1)));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM users WHERE username = 'one-more'"), Is.Zero);
        var elsewhere = await SendAsync(new Register.Command("one-more", "one-more@example.com", Password, null, "203.0.113.9"));
        Assert.That(elsewhere.User.Username, Is.EqualTo("one-more"), "another address may still register");
    }

    [TestCase("ALICE", "other@example.com", "username")]
    [TestCase("other", "ALICE@EXAMPLE.COM", "email")]
    public async Task A_taken_username_or_email_is_refused_before_the_password_is_hashed(string username, string email, string field)
    {
        await RegisterAsync("alice");
        // A service whose every hash fails: a refusal that reaches it would be a 500, not a 409.
        var settings = TestSettings();
        settings["Passwords:MemoryKiB"] = "0";
        await using var factory = new MessengerFactory(settings);
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/auth/register", new { username, email, password = Password });

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.Conflict)), Is.EqualTo(new[] { field }));
    }

    [TestCase("ab", "username")]
    [TestCase("has space", "username")]
    [TestCase("a@b", "username")]
    [TestCase("abcdefghijabcdefghijabcdefghijabc", "username")]
    public async Task Invalid_usernames_are_refused(string username, string field)
    {
        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() =>
            SendAsync(new Register.Command(username, "x@example.com", Password, null, TestAddress)));
        Assert.That(e!.Errors.Select(f => f.PropertyName), Does.Contain(field));
    }

    [Test]
    public async Task Invalid_email_password_and_display_name_are_named()
    {
        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() =>
            SendAsync(new Register.Command("carol", "not-an-email", "short", new string('x', 65), TestAddress)));
        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EquivalentTo(new[] { "email", "password", "displayName" }));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM users"), Is.Zero);
    }

    [Test]
    public async Task A_display_name_of_64_code_points_is_accepted_and_one_with_a_bidi_override_is_refused()
    {
        // 👩🏽‍💻 is 4 code points and 7 UTF-16 units.
        var displayName = string.Concat(Enumerable.Repeat("👩🏽\u200d💻", 16));

        var response = await SendAsync(new Register.Command("alice", "alice@example.com", Password, displayName, TestAddress));
        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() =>
            SendAsync(new Register.Command("bob", "bob@example.com", Password, "bob\u202Egnp.exe", TestAddress)));

        Assert.That(response.User.DisplayName, Is.EqualTo(displayName));
        Assert.That(e!.Errors.Select(f => f.PropertyName), Is.EqualTo(new[] { "displayName" }));
    }

    [Test]
    public async Task Two_registrations_racing_for_one_username_end_with_one_user()
    {
        using var client = CreateClient();
        var attempts = Enumerable.Range(0, 4).Select(i => client.PostAsJsonAsync("/auth/register",
            new { username = "racer", email = $"racer{i}@example.com", password = Password }));
        var statuses = (await Task.WhenAll(attempts)).Select(r => r.StatusCode).ToList();

        Assert.That(statuses.Count(s => s == HttpStatusCode.Created), Is.EqualTo(1));
        Assert.That(statuses.Count(s => s == HttpStatusCode.Conflict), Is.EqualTo(3));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM users"), Is.EqualTo(1));
    }

    [Test]
    public async Task Http_register_answers_201_with_the_refresh_cookie()
    {
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/auth/register", new { username = "dave", email = "dave@example.com", password = Password });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.That(cookie, Does.StartWith("refresh_token="));
        Assert.That(cookie.ToLowerInvariant(), Does.Contain("httponly").And.Contain("samesite=strict").And.Contain("path=/auth"));
        Assert.That(cookie.ToLowerInvariant(), Does.Contain("secure"), "outside Development a TLS proxy is assumed in front");
    }
}
