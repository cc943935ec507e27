using System.Text.Json;
using Messenger.Features.Friends.RemoveFriend;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Features.Users.GetUser;
using Messenger.Features.Users.UpdateMe;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class GetUserTests : TestBase
{
    [Test]
    public async Task My_own_profile_says_self_and_shows_my_bio_even_when_hidden()
    {
        var alice = await RegisterAsync("alice");
        await SetProfileAsync(alice.User.Id, bio: "Hello", visibility: "friends");

        var profile = await SendAsync(new GetUser.Query(alice.User.Id, alice.User.Id));

        Assert.That(profile.Friendship, Is.EqualTo("self"));
        Assert.That(profile.Bio, Is.EqualTo("Hello"));
    }

    [Test]
    public async Task A_public_user_says_none_and_shows_the_bio()
    {
        var alice = await RegisterAsync("alice", "Alice A.");
        var bob = await RegisterAsync("bob");
        await SetProfileAsync(alice.User.Id, bio: "Hello", visibility: null);

        var profile = await SendAsync(new GetUser.Query(bob.User.Id, alice.User.Id));

        Assert.That(profile.Id, Is.EqualTo(alice.User.Id));
        Assert.That(profile.Username, Is.EqualTo("alice"));
        Assert.That(profile.DisplayName, Is.EqualTo("Alice A."));
        Assert.That(profile.CreatedAt, Is.EqualTo(alice.User.CreatedAt));
        Assert.That(profile.Friendship, Is.EqualTo("none"));
        Assert.That(profile.Bio, Is.EqualTo("Hello"));
    }

    [Test]
    public async Task A_user_visible_to_friends_only_hides_the_bio_from_others()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await SetProfileAsync(alice.User.Id, bio: "Hello", visibility: "friends");

        var profile = await SendAsync(new GetUser.Query(bob.User.Id, alice.User.Id));

        Assert.That(profile.Bio, Is.Null);
        Assert.That(profile.Username, Is.EqualTo("alice"), "the rest of the profile stays visible");
    }

    [Test]
    public async Task An_unknown_user_is_not_found()
    {
        var bob = await RegisterAsync("bob");

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new GetUser.Query(bob.User.Id, bob.User.Id + 1000)));
    }

    [Test]
    public async Task Http_answers_the_user_profile_shape()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        using var client = CreateClient(bob.AccessToken);

        var response = await client.GetAsync($"/users/{alice.User.Id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var profile = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(profile.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[]
        {
            "id", "username", "displayName", "bio", "avatarUrl", "createdAt", "friendship",
        }));
        Assert.That(profile.GetProperty("friendship").GetString(), Is.EqualTo("none"));
        Assert.That(profile.GetProperty("bio").GetString(), Is.EqualTo(""));
        Assert.That(profile.TryGetProperty("email", out _), Is.False, "another user's email is private");
    }

    [TestCase("/users/999999")]
    [TestCase("/users/abc")]
    public async Task Http_unknown_or_malformed_ids_are_a_404_problem(string path)
    {
        var bob = await RegisterAsync("bob");
        using var client = CreateClient(bob.AccessToken);

        await ReadProblemAsync(await client.GetAsync(path), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Http_without_a_token_is_a_401_problem()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient();

        await ReadProblemAsync(await client.GetAsync($"/users/{alice.User.Id}"), HttpStatusCode.Unauthorized);
    }

    private static Task SetProfileAsync(long userId, string? bio, string? visibility) =>
        SendAsync(new UpdateMe.Command(userId, 0, null, bio, null, visibility, null, null));

    [Test]
    public async Task Friendship_reads_from_the_callers_side_through_every_state()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        async Task<(string AliceSees, string BobSees)> Friendship() =>
            ((await SendAsync(new GetUser.Query(alice.User.Id, bob.User.Id))).Friendship,
             (await SendAsync(new GetUser.Query(bob.User.Id, alice.User.Id))).Friendship);

        Assert.That(await Friendship(), Is.EqualTo(("none", "none")));
        await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        Assert.That(await Friendship(), Is.EqualTo(("requestSent", "requestReceived")));
        await SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id));
        Assert.That(await Friendship(), Is.EqualTo(("friends", "friends")));
        await SendAsync(new RemoveFriend.Command(alice.User.Id, bob.User.Id));
        Assert.That(await Friendship(), Is.EqualTo(("none", "none")));
    }

    [Test]
    public async Task A_friends_only_bio_is_shown_to_friends()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        await SetProfileAsync(alice.User.Id, bio: "for friends", visibility: "friends");

        Assert.That((await SendAsync(new GetUser.Query(bob.User.Id, alice.User.Id))).Bio, Is.EqualTo("for friends"));
        Assert.That((await SendAsync(new GetUser.Query(carol.User.Id, alice.User.Id))).Bio, Is.Null);
    }
}
