using Messenger.Features.Friends;
using Messenger.Features.Friends.ListFriends;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Friends;

public sealed class ListFriendsTests : TestBase
{
    [Test]
    public async Task Friends_come_by_username_with_since_and_online()
    {
        var (carol, alice) = await FriendsAsync("carol", "alice");
        var bob = await RegisterAsync("bob");
        await SendAsync(new Messenger.Features.Friends.SendFriendRequest.SendFriendRequest.Command(bob.User.Id, carol.User.Id));
        var dave = await RegisterAsync("dave");
        await SendAsync(new Messenger.Features.Friends.SendFriendRequest.SendFriendRequest.Command(dave.User.Id, carol.User.Id));
        await SendAsync(new Messenger.Features.Friends.SendFriendRequest.SendFriendRequest.Command(carol.User.Id, dave.User.Id));
        await using var daveTab = await HubClient.ConnectAsync(dave.AccessToken);
        await using var carolTab = await HubClient.ConnectAsync(carol.AccessToken);

        var friends = await SendAsync(new ListFriends.Query(carol.User.Id));

        Assert.That(friends.Select(f => f.User.Username), Is.EqualTo(new[] { "alice", "dave" }), "bob's request is still pending");
        Assert.That(friends.Select(f => f.Online), Is.EqualTo(new[] { false, true }));
        Assert.That(friends.All(f => f.Since > DateTime.UtcNow.AddMinutes(-1)), Is.True);
    }

    [Test]
    public async Task Both_routes_answer_the_same_list()
    {
        var (alice, _) = await FriendsAsync("alice", "bob");
        using var client = CreateClient(alice.AccessToken);

        var friends = await client.GetFromJsonAsync<List<Friend>>("/friends");
        var mine = await client.GetFromJsonAsync<List<Friend>>("/users/me/friends");

        Assert.That(friends!.Single().User.Username, Is.EqualTo("bob"));
        Assert.That(mine!.Single().User.Username, Is.EqualTo("bob"));
    }
}
