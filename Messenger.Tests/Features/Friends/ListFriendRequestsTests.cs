using Messenger.Features.Friends.ListFriendRequests;
using Messenger.Features.Friends.SendFriendRequest;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Friends;

public sealed class ListFriendRequestsTests : TestBase
{
    [Test]
    public async Task Pending_requests_are_split_into_incoming_and_outgoing()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        await FriendsAsync("dave", "erin");
        await SendAsync(new SendFriendRequest.Command(bob.User.Id, alice.User.Id));
        await SendAsync(new SendFriendRequest.Command(alice.User.Id, carol.User.Id));

        var requests = await SendAsync(new ListFriendRequests.Query(alice.User.Id));

        Assert.That(requests.Incoming.Select(r => r.From.Username), Is.EqualTo(new[] { "bob" }));
        Assert.That(requests.Outgoing.Select(r => r.To.Username), Is.EqualTo(new[] { "carol" }));
        Assert.That(requests.Incoming.Concat(requests.Outgoing).All(r => r.Status == "pending"), Is.True);
    }
}
