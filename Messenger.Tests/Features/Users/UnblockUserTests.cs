using Messenger.Features.Friends.ListFriends;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Features.Users.BlockUser;
using Messenger.Features.Users.GetUser;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class UnblockUserTests : TestBase
{
    [Test]
    public async Task Unblocking_lifts_the_block_and_restores_nothing()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));
        using var client = CreateClient(alice.AccessToken);

        var first = await client.DeleteAsync($"/users/{bob.User.Id}/block");
        var again = await client.DeleteAsync($"/users/{bob.User.Id}/block");

        Assert.That((first.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.NoContent, HttpStatusCode.NoContent)));
        Assert.That(await SendAsync(new ListFriends.Query(alice.User.Id)), Is.Empty, "no friendship comes back");
        Assert.That((await SendAsync(new GetUser.Query(alice.User.Id, bob.User.Id))).Friendship, Is.EqualTo("none"));
        Assert.That((await SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id))).Status, Is.EqualTo("pending"),
            "requests are possible again");
    }

    [Test]
    public async Task Unblocking_lifts_only_my_own_block()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));
        await SendAsync(new BlockUser.Command(bob.User.Id, alice.User.Id));

        var response = await CreateClient(alice.AccessToken).DeleteAsync($"/users/{bob.User.Id}/block");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id)),
            "bob's block of alice still stands");
        Assert.That((await SendAsync(new GetUser.Query(bob.User.Id, alice.User.Id))).Friendship, Is.EqualTo("blocked"));
    }

    [Test]
    public async Task Unblocking_yourself_is_400_and_an_unknown_user_404()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        var self = await client.DeleteAsync($"/users/{alice.User.Id}/block");
        var unknown = await client.DeleteAsync("/users/999999999/block");

        Assert.That(ErrorFields(await ReadProblemAsync(self, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "id" }));
        await ReadProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Blocking_and_unblocking_share_the_blocking_rate_limit()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        using var client = CreateClient(alice.AccessToken);
        await client.PutAsync($"/users/{bob.User.Id}/block", null);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Blocking>(() => client.DeleteAsync($"/users/{bob.User.Id}/block"),
            spentByArrangement: 1);
    }
}
