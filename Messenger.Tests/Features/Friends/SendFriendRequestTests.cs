using FluentValidation;
using Messenger.Features.Friends;
using Messenger.Features.Friends.RespondToFriendRequest;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Friends;

public sealed class SendFriendRequestTests : TestBase
{
    [Test]
    public async Task A_request_is_pending_and_reaches_every_connection_of_the_recipient()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        Assert.That(request.Status, Is.EqualTo("pending"));
        Assert.That(request.From.Id, Is.EqualTo(alice.User.Id));
        Assert.That(request.To.Id, Is.EqualTo(bob.User.Id));
        Assert.That(request.RespondedAt, Is.Null);
        foreach (var tab in new[] { bobTab1, bobTab2 })
            Assert.That((await tab.NextAsync<FriendRequest>("FriendRequestReceived")).Id, Is.EqualTo(request.Id));
        await aliceTab.AssertNoEventAsync("FriendRequestReceived");
    }

    [Test]
    public async Task Asking_someone_who_already_asked_you_accepts_their_request()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var first = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var second = await SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id));

        Assert.That(second.Id, Is.EqualTo(first.Id), "the existing request is accepted, not a second one stored");
        Assert.That(second.Status, Is.EqualTo("accepted"));
        Assert.That(second.RespondedAt, Is.Not.Null);
        var responded = await aliceTab.NextAsync<FriendRequest>("FriendRequestResponded");
        Assert.That(responded.Status, Is.EqualTo("accepted"));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM friend_requests"), Is.EqualTo(1));
    }

    [Test]
    public async Task Over_http_a_pending_request_is_201_and_an_auto_accepted_one_200()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");

        var created = await CreateClient(alice.AccessToken).PostAsJsonAsync("/friends/request", new { toUserId = bob.User.Id });
        var accepted = await CreateClient(bob.AccessToken).PostAsJsonAsync("/friends/request", new { toUserId = alice.User.Id });

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await accepted.Content.ReadFromJsonAsync<FriendRequest>())!.Status, Is.EqualTo("accepted"));
    }

    [Test]
    public async Task Asking_yourself_is_invalid()
    {
        var alice = await RegisterAsync("alice");
        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, alice.User.Id)));
        Assert.That(e!.Errors.Single().PropertyName, Is.EqualTo("toUserId"));
    }

    [Test]
    public async Task Asking_an_unknown_user_is_not_found()
    {
        var alice = await RegisterAsync("alice");
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, alice.User.Id + 1000)));
    }

    [Test]
    public async Task Asking_twice_the_same_way_is_a_conflict()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id)));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM friend_requests"), Is.EqualTo(1));
    }

    [Test]
    public async Task Asking_a_friend_either_way_is_a_conflict()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");

        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id)));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id)));
    }

    [Test]
    public async Task After_a_rejection_the_pair_may_ask_again()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));
        await SendAsync(new RespondToFriendRequest.Command(bob.User.Id, request.Id, false));

        var again = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        Assert.That(again.Status, Is.EqualTo("pending"));
        Assert.That(again.Id, Is.Not.EqualTo(request.Id));
    }

    [Test]
    public async Task Opposite_requests_raced_at_once_end_as_one_friendship()
    {
        for (var round = 0; round < 10; round++)
        {
            var a = await RegisterAsync($"racer_a{round}");
            var b = await RegisterAsync($"racer_b{round}");
            using var clientA = CreateClient(a.AccessToken);
            using var clientB = CreateClient(b.AccessToken);

            var responses = await Task.WhenAll(
                clientA.PostAsJsonAsync("/friends/request", new { toUserId = b.User.Id }),
                clientB.PostAsJsonAsync("/friends/request", new { toUserId = a.User.Id }));

            var statuses = responses.Select(r => r.StatusCode).OrderBy(s => s).ToArray();
            Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.Created }), $"round {round}");
            var rows = await QuerySingleAsync<long>(
                "SELECT COUNT(*) FROM friend_requests WHERE user_low = LEAST(@A, @B) AND user_high = GREATEST(@A, @B)",
                new { A = a.User.Id, B = b.User.Id });
            Assert.That(rows, Is.EqualTo(1), $"round {round}");
            var status = await QuerySingleAsync<string>(
                "SELECT status FROM friend_requests WHERE user_low = LEAST(@A, @B) AND user_high = GREATEST(@A, @B)",
                new { A = a.User.Id, B = b.User.Id });
            Assert.That(status, Is.EqualTo("accepted"), $"round {round}");
        }
    }

    [Test]
    public async Task Past_the_friends_rate_limit_asking_is_429_with_retry_after()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        using var client = CreateClient(alice.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Friends>(() =>
            client.PostAsJsonAsync("/friends/request", new { toUserId = bob.User.Id }));
    }
}
