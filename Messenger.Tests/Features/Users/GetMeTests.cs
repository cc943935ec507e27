using System.Text.Json;
using Messenger.Features.Users.GetMe;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class GetMeTests : TestBase
{
    [Test]
    public async Task Returns_my_own_profile()
    {
        var registered = await RegisterAsync("alice", "Alice A.");

        var me = await SendAsync(new GetMe.Query(registered.User.Id));

        Assert.That(me, Is.EqualTo(registered.User));
        Assert.That(me.Email, Is.EqualTo("alice@example.com"));
        Assert.That(me.DisplayName, Is.EqualTo("Alice A."));
        Assert.That(me.Bio, Is.EqualTo(""));
        Assert.That(me.AvatarUrl, Is.Null);
        Assert.That(me.NotificationsEnabled, Is.True);
        Assert.That(me.Visibility, Is.EqualTo("public"));
    }

    [Test]
    public async Task Http_answers_the_me_profile_shape_with_millisecond_times()
    {
        var registered = await RegisterAsync("alice");
        using var client = CreateClient(registered.AccessToken);

        var response = await client.GetAsync("/users/me");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(me.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[]
        {
            "id", "username", "email", "displayName", "bio", "avatarUrl", "notificationsEnabled", "visibility", "createdAt",
        }));
        Assert.That(me.GetProperty("id").GetInt64(), Is.EqualTo(registered.User.Id));
        Assert.That(me.GetProperty("bio").GetString(), Is.EqualTo(""), "an unset bio is \"\", never null");
        Assert.That(me.GetProperty("createdAt").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
    }

    [Test]
    public async Task Without_a_token_the_answer_is_a_401_problem()
    {
        using var client = CreateClient();

        var response = await client.GetAsync("/users/me");

        await ReadProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer"));
    }

    [Test]
    public async Task A_token_that_is_not_ours_is_a_401_problem()
    {
        using var client = CreateClient("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl");

        await ReadProblemAsync(await client.GetAsync("/users/me"), HttpStatusCode.Unauthorized);
    }
}
