using Dapper;
using MySqlConnector;
using Messenger.Infrastructure.Realtime;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Realtime;

public sealed class ConnectTests : TestBase
{
    [Test]
    public async Task Friends_hear_presence_on_the_first_connect_and_the_last_disconnect_only()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var stranger = await RegisterAsync("stranger");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var strangerTab = await HubClient.ConnectAsync(stranger.AccessToken);

        var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        var online = await aliceTab.NextAsync<PresenceChangedEvent>("PresenceChanged");
        Assert.That(online, Is.EqualTo(new PresenceChangedEvent(bob.User.Id, true)));

        var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);
        await bobTab1.DisposeAsync();
        await aliceTab.AssertNoEventAsync("PresenceChanged");

        await bobTab2.DisposeAsync();
        var offline = await aliceTab.NextAsync<PresenceChangedEvent>("PresenceChanged");
        Assert.That(offline, Is.EqualTo(new PresenceChangedEvent(bob.User.Id, false)));
        await strangerTab.AssertNoEventAsync("PresenceChanged", settleMilliseconds: 0);
    }

    [Test]
    public async Task A_connection_without_a_valid_token_is_refused()
    {
        await using var anonymous = HubClient.Build(null);
        Assert.That(Assert.CatchAsync(() => anonymous.StartAsync())!.Message, Does.Contain("401"));

        await using var forged = HubClient.Build("not.a.token");
        Assert.That(Assert.CatchAsync(() => forged.StartAsync())!.Message, Does.Contain("401"));
    }

    [Test]
    public async Task A_connection_of_a_logged_out_session_is_refused()
    {
        var alice = await RegisterAsync("alice");
        await SendAsync(new Messenger.Features.Auth.Logout.Logout.Command(alice.RefreshToken));

        await using var connection = HubClient.Build(alice.AccessToken);
        Assert.That(Assert.CatchAsync(() => connection.StartAsync())!.Message, Does.Contain("401"));
    }

    [Test]
    public async Task A_connect_that_fails_during_set_up_leaves_nothing_tracked_behind()
    {
        var bob = await RegisterAsync("bob");
        await using var service = new OwnService(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Messenger"] = ConnectionString + ";Default Command Timeout=1",
        });
        // The rooms read of the set-up waits on this lock until its command times out.
        await using var blocker = new MySqlConnection(ConnectionString);
        await blocker.OpenAsync();
        await blocker.ExecuteAsync("LOCK TABLES room_participants WRITE");

        Assert.CatchAsync(async () => await service.ConnectAsync(bob.AccessToken));
        await blocker.ExecuteAsync("UNLOCK TABLES");

        Assert.That(service.Service<SessionConnections>().Count, Is.Zero, "the session's connection map forgot it");
        Assert.That(await service.Service<IConnectionTracker>().ConnectionsOfAsync(bob.User.Id), Is.Empty, "the tracker forgot it");
    }
}
