using Messenger.Features.Friends.ListFriends;
using Messenger.Features.Friends.RemoveFriend;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Friends;

public sealed class RemoveFriendTests : TestBase
{
    [Test]
    public async Task Removing_a_friend_ends_the_friendship_for_both_and_tells_the_other()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        await using var aliceOtherTab = await HubClient.ConnectAsync(alice.AccessToken);

        var response = await CreateClient(alice.AccessToken).DeleteAsync($"/friends/{bob.User.Id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await bobTab.NextAsync<FriendRemovedEvent>("FriendRemoved")).UserId, Is.EqualTo(alice.User.Id));
        Assert.That((await aliceOtherTab.NextAsync<FriendRemovedEvent>("FriendRemoved")).UserId, Is.EqualTo(bob.User.Id));
        Assert.That(await SendAsync(new ListFriends.Query(alice.User.Id)), Is.Empty);
        Assert.That(await SendAsync(new ListFriends.Query(bob.User.Id)), Is.Empty);
        Assert.That((await SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id))).Status, Is.EqualTo("pending"),
            "the pair may start over");
    }

    [Test]
    public async Task Removing_someone_who_is_not_a_friend_is_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RemoveFriend.Command(alice.User.Id, bob.User.Id)),
            "a pending request is not a friendship");
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RemoveFriend.Command(alice.User.Id, 999_999)));
        Assert.That(await QuerySingleAsync<string>("SELECT status FROM friend_requests"), Is.EqualTo("pending"));
    }

    [Test]
    public async Task Past_the_friends_rate_limit_removing_is_429_with_retry_after()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        using var client = CreateClient(alice.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Friends>(() =>
            client.DeleteAsync($"/friends/{bob.User.Id}"),
            spentByArrangement: 1);
    }
}
