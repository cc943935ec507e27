using Messenger.Features.Auth.Logout;
using Messenger.Features.Auth.Refresh;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Auth;

public sealed class LogoutTests : TestBase
{
    [Test]
    public async Task Logout_revokes_the_session_of_the_token()
    {
        var registered = await RegisterAsync("alice");

        await SendAsync(new Logout.Command(registered.RefreshToken));

        Assert.ThrowsAsync<UnauthorizedException>(() => SendAsync(new Refresh.Command(registered.RefreshToken)));
        using var client = CreateClient(registered.AccessToken);
        await ReadProblemAsync(await client.GetAsync("/users/me"), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Logout_leaves_the_users_other_sessions_alone()
    {
        var registered = await RegisterAsync("alice");
        var other = await LoginAsync("alice");

        await SendAsync(new Logout.Command(registered.RefreshToken));

        using var client = CreateClient(other.AccessToken);
        Assert.That((await client.GetAsync("/users/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(new Refresh.Command(other.RefreshToken))).User.Username, Is.EqualTo("alice"));
    }

    [Test]
    public async Task Logging_out_twice_is_204_both_times()
    {
        var registered = await RegisterAsync("alice");
        using var client = CreateClient();

        var first = await client.PostAsJsonAsync("/auth/logout", new { refreshToken = registered.RefreshToken });
        var second = await client.PostAsJsonAsync("/auth/logout", new { refreshToken = registered.RefreshToken });

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Logout_without_any_token_or_with_an_unknown_one_is_204()
    {
        using var client = CreateClient();

        Assert.That((await client.PostAsync("/auth/logout", null)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await client.PostAsJsonAsync("/auth/logout", new { refreshToken = "unknown" })).StatusCode,
            Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Logout_with_only_the_cookie_revokes_its_session()
    {
        var registered = await RegisterAsync("alice");
        using var client = CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
        request.Headers.Add("Cookie", $"refresh_token={registered.RefreshToken}");

        var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.ThrowsAsync<UnauthorizedException>(() => SendAsync(new Refresh.Command(registered.RefreshToken)));
    }

    [Test]
    public async Task Logout_racing_refreshes_of_the_same_token_ends_the_session_without_a_server_error()
    {
        using var client = CreateClient();
        // The race deadlocked in a few rounds out of a hundred; a hundred rounds of ten make it likely to show.
        for (var round = 0; round < 100; round++)
        {
            var registered = await RegisterAsync($"racer{round}");

            var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
                client.PostAsJsonAsync(i % 2 == 0 ? "/auth/refresh" : "/auth/logout", new { refreshToken = registered.RefreshToken })));

            Assert.That(responses.Select(r => (int)r.StatusCode), Has.All.LessThan(500), $"round {round}");
            Assert.That(await QuerySingleAsync<bool>("SELECT revoked_at IS NOT NULL FROM sessions WHERE user_id = @Id",
                new { registered.User.Id }), Is.True, $"round {round}: the session ended");
        }
    }

    [Test]
    public async Task Logout_clears_the_cookie()
    {
        var registered = await RegisterAsync("alice");
        using var client = CreateClient();

        var response = await client.PostAsJsonAsync("/auth/logout", new { refreshToken = registered.RefreshToken });

        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.That(cookie, Does.StartWith("refresh_token=;"));
        Assert.That(cookie.ToLowerInvariant(), Does.Contain("path=/auth"));
        var expires = cookie.Split(';').Select(p => p.Trim()).Single(p => p.StartsWith("expires=", StringComparison.OrdinalIgnoreCase));
        Assert.That(DateTimeOffset.Parse(expires["expires=".Length..]), Is.LessThan(DateTimeOffset.UtcNow));
    }

    [Test]
    public async Task Logging_out_closes_the_sessions_open_sockets_at_once()
    {
        var alice = await RegisterAsync("alice");
        var other = await LoginAsync("alice");
        await using var loggedOut = await HubClient.ConnectAsync(alice.AccessToken);
        await using var stillIn = await HubClient.ConnectAsync(other.AccessToken);

        await SendAsync(new Logout.Command(alice.RefreshToken));

        await loggedOut.AssertClosedByServerAsync();
        Assert.That(stillIn.IsOpen, Is.True, "another session is not touched");
    }
}
