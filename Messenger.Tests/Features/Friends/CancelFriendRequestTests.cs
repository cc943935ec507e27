using Messenger.Features.Friends;
using Messenger.Features.Friends.CancelFriendRequest;
using Messenger.Features.Friends.RespondToFriendRequest;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Friends;

public sealed class CancelFriendRequestTests : TestBase
{
    [Test]
    public async Task The_sender_cancels_and_the_recipient_hears_it()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var response = await CreateClient(alice.AccessToken).DeleteAsync($"/friends/requests/{request.Id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await bobTab.NextAsync<FriendRequest>("FriendRequestResponded")).Status, Is.EqualTo("cancelled"));
        Assert.That(await QuerySingleAsync<string>("SELECT status FROM friend_requests WHERE id = @Id", new { request.Id }),
            Is.EqualTo("cancelled"));
        Assert.That((await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id))).Status, Is.EqualTo("pending"),
            "a cancelled request no longer blocks a new one");
    }

    [Test]
    public async Task Anyone_but_the_sender_gets_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new CancelFriendRequest.Command(bob.User.Id, request.Id)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new CancelFriendRequest.Command(alice.User.Id, request.Id + 1000)));
    }

    [Test]
    public async Task A_request_no_longer_pending_is_a_conflict()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        await SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id, true));

        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new CancelFriendRequest.Command(alice.User.Id, request.Id)));
        Assert.That(await QuerySingleAsync<string>("SELECT status FROM friend_requests WHERE id = @Id", new { request.Id }),
            Is.EqualTo("accepted"));
    }

    [Test]
    public async Task Past_the_friends_rate_limit_cancelling_is_429_with_retry_after()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        using var client = CreateClient(alice.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Friends>(() =>
            client.DeleteAsync($"/friends/requests/{request.Id}"),
            spentByArrangement: 1);
    }
}
