using FluentValidation;
using Messenger.Features.Friends;
using Messenger.Features.Friends.RespondToFriendRequest;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Friends;

public sealed class RespondToFriendRequestTests : TestBase
{
    [Test]
    public async Task The_recipient_accepts_and_the_sender_hears_it_on_every_connection()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobOtherTab = await HubClient.ConnectAsync(bob.AccessToken);

        var accepted = await SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id, true));

        Assert.That(accepted.Status, Is.EqualTo("accepted"));
        Assert.That(accepted.RespondedAt, Is.Not.Null);
        foreach (var tab in new[] { aliceTab1, aliceTab2, bobOtherTab })
            Assert.That((await tab.NextAsync<FriendRequest>("FriendRequestResponded")).Status, Is.EqualTo("accepted"));
        Assert.That(await QuerySingleAsync<bool>(
            "SELECT EXISTS(SELECT 1 FROM friend_requests WHERE id = @Id AND status = 'accepted')", new { request.Id }), Is.True);
    }

    [Test]
    public async Task The_recipient_rejects_and_they_are_not_friends()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        var rejected = await SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id, false));

        Assert.That(rejected.Status, Is.EqualTo("rejected"));
        var friends = await SendAsync(new Messenger.Features.Friends.ListFriends.ListFriends.Query(alice.User.Id));
        Assert.That(friends, Is.Empty);
    }

    [Test]
    public async Task Anyone_but_the_recipient_gets_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RespondToFriendRequest.Command(alice.User.Id, request.Id, true)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RespondToFriendRequest.Command(carol.User.Id, request.Id, true)));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id + 1000, true)));
        Assert.That(await QuerySingleAsync<string>("SELECT status FROM friend_requests WHERE id = @Id", new { request.Id }),
            Is.EqualTo("pending"));
    }

    [Test]
    public async Task A_request_no_longer_pending_is_a_conflict()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        await SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id, false));

        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id, true)));
    }

    [Test]
    public async Task Accept_is_required()
    {
        var bob = await RegisterAsync("bob");
        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new RespondToFriendRequest.Command(bob.User.Id, 1, null)));
        Assert.That(e!.Errors.Single().PropertyName, Is.EqualTo("accept"));

        var response = await CreateClient(bob.AccessToken).PostAsJsonAsync("/friends/response", new { requestId = 1 });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("\"accept\""));
    }

    [Test]
    public async Task Past_the_friends_rate_limit_answering_is_429_with_retry_after()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        using var client = CreateClient(bob.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Friends>(() =>
            client.PostAsJsonAsync("/friends/response", new { requestId = request.Id, accept = false }));
    }
}
