using System.Text.Json;
using Messenger.Features.Auth.Login;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Auth;

public sealed class LoginTests : TestBase
{
    [TestCase("alice")]
    [TestCase("ALICE")]
    [TestCase("alice@example.com")]
    [TestCase("Alice@Example.COM")]
    [TestCase("  alice  ")]
    public async Task Username_or_email_in_any_case_signs_in(string login)
    {
        var registered = await RegisterAsync("alice");

        var response = await LoginAsync(login);

        Assert.That(response.User.Id, Is.EqualTo(registered.User.Id));
        Assert.That(response.User.Email, Is.EqualTo("alice@example.com"));
        Assert.That(response.AccessToken, Is.Not.Empty);
        Assert.That(response.RefreshToken, Is.Not.EqualTo(registered.RefreshToken));
    }

    [Test]
    public async Task Each_login_starts_a_session_of_its_own()
    {
        var registered = await RegisterAsync("alice");

        await LoginAsync("alice");
        await LoginAsync("alice");

        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM sessions WHERE user_id = @Id AND revoked_at IS NULL",
            new { registered.User.Id }), Is.EqualTo(3));
    }

    [Test]
    public async Task The_access_token_works_over_http()
    {
        await RegisterAsync("alice");
        using var client = CreateClient();

        var response = await client.PostAsJsonAsync("/auth/login", new { login = "alice", password = Password });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.That(cookie, Does.StartWith($"refresh_token={body.GetProperty("refreshToken").GetString()};"));
        Assert.That(cookie.ToLowerInvariant(), Does.Contain("httponly").And.Contain("samesite=strict").And.Contain("path=/auth"));
        using var signedIn = CreateClient(body.GetProperty("accessToken").GetString());
        Assert.That((await signedIn.GetAsync("/users/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Wrong_password_is_unauthorized()
    {
        await RegisterAsync("alice");

        Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync("alice", "wrong-password"));
    }

    [Test]
    public async Task Wrong_password_and_unknown_user_give_the_same_answer()
    {
        await RegisterAsync("alice");
        using var client = CreateClient();

        var wrongPassword = await ReadProblemAsync(
            await client.PostAsJsonAsync("/auth/login", new { login = "alice", password = "wrong-password" }), HttpStatusCode.Unauthorized);
        var unknownUser = await ReadProblemAsync(
            await client.PostAsJsonAsync("/auth/login", new { login = "nobody", password = "wrong-password" }), HttpStatusCode.Unauthorized);

        Assert.That(WithoutTraceId(unknownUser), Is.EqualTo(WithoutTraceId(wrongPassword)));
    }

    [Test]
    public void Missing_login_and_password_are_named()
    {
        var e = Assert.ThrowsAsync<FluentValidation.ValidationException>(() => SendAsync(new Login.Command("", "", TestAddress)));

        Assert.That(e!.Errors.Select(f => f.PropertyName).Distinct(), Is.EquivalentTo(new[] { "login", "password" }));
    }

    [Test]
    public async Task The_eleventh_attempt_after_ten_failures_is_429_with_retry_after_even_with_the_right_password()
    {
        await RegisterAsync("alice");
        using var client = CreateClient();
        for (var i = 0; i < 10; i++)
            Assert.That((await client.PostAsJsonAsync("/auth/login", new { login = "alice", password = "wrong-password" })).StatusCode,
                Is.EqualTo(HttpStatusCode.Unauthorized), $"failure {i + 1}");

        var response = await client.PostAsJsonAsync("/auth/login", new { login = "alice", password = Password });

        await ReadProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(response.Headers.RetryAfter!.Delta, Is.LessThanOrEqualTo(TimeSpan.FromMinutes(15)));
    }

    [Test]
    public async Task The_login_limit_counts_the_name_in_any_case()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 10; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync(i % 2 == 0 ? "alice" : "ALICE", "wrong-password"));

        Assert.ThrowsAsync<TooManyRequestsException>(() => LoginAsync("Alice"));
    }

    [Test]
    public async Task The_login_limit_counts_every_spelling_of_one_account()
    {
        await RegisterAsync("alice");
        string[] spellings = ["alice", "alicé", "ÀLICE", "Alïce", "alice@example.com", "ALICÉ@EXAMPLE.COM"];
        for (var i = 0; i < 10; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync(spellings[i % spellings.Length], "wrong-password"), spellings[i % spellings.Length]);

        Assert.ThrowsAsync<TooManyRequestsException>(() => LoginAsync("alice"));
    }

    [Test]
    public void The_login_limit_counts_every_spelling_of_an_unknown_name_as_one()
    {
        string[] spellings = ["nobody", "NOBODY", "nöbody", "Nóbody"];
        for (var i = 0; i < 10; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync(spellings[i % spellings.Length], "wrong-password"));

        Assert.ThrowsAsync<TooManyRequestsException>(() => LoginAsync("NÒBODY", "wrong-password"));
        Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync("somebody", "wrong-password"), "another name is not blocked");
    }

    [Test]
    public async Task Fifty_failures_from_one_ipv6_64_block_the_whole_64_only()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 50; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => SendAsync(new Login.Command($"guess{i}", "wrong-password", $"2001:db8:1:2::{i:x}")));

        Assert.ThrowsAsync<TooManyRequestsException>(() => SendAsync(new Login.Command("alice", Password, "2001:db8:1:2:ffff:ffff:ffff:ffff")));
        var elsewhere = await SendAsync(new Login.Command("alice", Password, "2001:db8:1:3::1"));

        Assert.That(elsewhere.User.Username, Is.EqualTo("alice"), "the next /64 is not blocked");
    }

    [Test]
    public async Task An_ipv4_mapped_ipv6_address_counts_as_its_ipv4_address()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 50; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => SendAsync(new Login.Command($"guess{i}", "wrong-password",
                i % 2 == 0 ? "203.0.113.7" : "::ffff:203.0.113.7")));

        Assert.ThrowsAsync<TooManyRequestsException>(() => SendAsync(new Login.Command("alice", Password, "203.0.113.7")));
        Assert.ThrowsAsync<TooManyRequestsException>(() => SendAsync(new Login.Command("alice", Password, "::ffff:203.0.113.7")));
    }

    [Test]
    public async Task The_login_limit_does_not_block_other_users()
    {
        await RegisterAsync("alice");
        await RegisterAsync("bob");
        for (var i = 0; i < 10; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync("alice", "wrong-password"));

        var bob = await LoginAsync("bob");

        Assert.That(bob.User.Username, Is.EqualTo("bob"));
    }

    [Test]
    public async Task Fifty_failures_from_one_address_block_every_login_from_it()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 50; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => SendAsync(new Login.Command($"guess{i}", "wrong-password", "203.0.113.7")));

        var blocked = Assert.ThrowsAsync<TooManyRequestsException>(() => SendAsync(new Login.Command("alice", Password, "203.0.113.7")));
        var elsewhere = await SendAsync(new Login.Command("alice", Password, "203.0.113.8"));

        Assert.That(blocked!.RetryAfter, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(elsewhere.User.Username, Is.EqualTo("alice"), "another address is not blocked");
    }

    [Test]
    public async Task A_success_resets_the_login_counter()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 9; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync("alice", "wrong-password"));
        await LoginAsync("alice");

        for (var i = 0; i < 9; i++)
            Assert.ThrowsAsync<UnauthorizedException>(() => LoginAsync("alice", "wrong-password"), $"failure {i + 1} after the reset");
        var response = await LoginAsync("alice");

        Assert.That(response.User.Username, Is.EqualTo("alice"));
    }

    private static Dictionary<string, string> WithoutTraceId(JsonElement problem) =>
        problem.EnumerateObject().Where(p => p.Name != "traceId").ToDictionary(p => p.Name, p => p.Value.GetRawText());

    [Test]
    public async Task A_burst_of_wrong_passwords_sent_at_once_is_held_to_the_limit()
    {
        await RegisterAsync("alice");
        using var client = CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ =>
            client.PostAsJsonAsync("/auth/login", new { login = "alice", password = "wrong-password" })));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized), Is.EqualTo(10));
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests), Is.EqualTo(20));
    }
}
