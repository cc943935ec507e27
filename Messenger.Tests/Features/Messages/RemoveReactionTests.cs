using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Messenger.Features.Messages;
using Messenger.Features.Messages.AddReaction;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.ListRoomMessages;
using Messenger.Features.Messages.RemoveReaction;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.LeaveRoom;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class RemoveReactionTests : TestBase
{
    [Test]
    public async Task Removing_over_the_hub_lowers_the_count_and_the_conversation_hears_it()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "news", null, null));
        await SendAsync(new AddReaction.Command(alice.User.Id, sent.Id, "😮"));
        await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, "😮"));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var once = await bobTab.InvokeAsync<Message>("RemoveReaction", new { messageId = sent.Id, emoji = "😮" });
        var twice = await aliceTab.InvokeAsync<Message>("RemoveReaction", new { messageId = sent.Id, emoji = "😮" });

        Assert.That((once.Reactions.Single().Count, once.Reactions.Single().UserIds.Single()), Is.EqualTo((1L, alice.User.Id)));
        Assert.That(twice.Reactions, Is.Empty, "an emoji nobody uses any more leaves the list");
        Assert.That(twice.Version, Is.EqualTo(sent.Version + 4));
        foreach (var tab in new[] { aliceTab, bobTab })
        {
            var events = await tab.AllAsync<ReactionChangedEvent>("ReactionChanged");
            Assert.That(events, Is.EqualTo(new[]
            {
                new ReactionChangedEvent(sent.Id, null, alice.User.Id, bob.User.Id, "😮", bob.User.Id, Added: false, Count: 1, once.Version),
                new ReactionChangedEvent(sent.Id, null, alice.User.Id, bob.User.Id, "😮", alice.User.Id, Added: false, Count: 0, twice.Version),
            }));
        }
    }

    [Test]
    public async Task The_rest_twin_answers_200_and_removing_what_you_never_added_changes_nothing()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "hi", null, null));
        var reacted = await SendAsync(new AddReaction.Command(alice.User.Id, sent.Id, "👋"));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        using var client = CreateClient(bob.AccessToken);

        var never = await client.DeleteAsync($"/messages/{sent.Id}/reactions/%F0%9F%91%8B");
        var other = await client.DeleteAsync($"/messages/{sent.Id}/reactions/%E2%9C%85");

        foreach (var response in new[] { never, other })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var message = (await response.Content.ReadFromJsonAsync<Message>())!;
            Assert.That((message.Version, message.Reactions.Single().Count), Is.EqualTo((reacted.Version, 1L)));
        }
        await aliceTab.AssertNoEventAsync("ReactionChanged");
        var removed = await CreateClient(alice.AccessToken).DeleteAsync($"/messages/{sent.Id}/reactions/%F0%9F%91%8B");
        Assert.That((await removed.Content.ReadFromJsonAsync<Message>())!.Reactions, Is.Empty);
    }

    [Test]
    public async Task An_emoji_keeps_its_place_while_anyone_uses_it_and_comes_back_last()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "vote", null, null));
        await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, "👍"));
        await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, "❤️"));
        await SendAsync(new AddReaction.Command(alice.User.Id, sent.Id, "👍"));

        var kept = await SendAsync(new RemoveReaction.Command(bob.User.Id, sent.Id, "👍"));
        Assert.That(kept.Reactions.Select(r => (r.Emoji, string.Join(",", r.UserIds))), Is.EqualTo(new[] { ("👍", $"{alice.User.Id}"), ("❤️", $"{bob.User.Id}") }));

        await SendAsync(new RemoveReaction.Command(alice.User.Id, sent.Id, "👍"));
        var back = await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, "👍"));
        Assert.That(back.Reactions.Select(r => r.Emoji), Is.EqualTo(new[] { "❤️", "👍" }));
    }

    [Test]
    public async Task The_count_is_exact_and_userIds_hold_the_first_50()
    {
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "stadium");
        var sent = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "goal!", null, null));
        var users = new List<long>();
        for (var i = 0; i < 60; i++)
            users.Add((await RegisterAsync($"fan{i}")).User.Id);
        // Sixty reactions straight into the table (sixty joins and reactions through the slices add nothing to what this reads).
        await ExecuteAsync("""
            INSERT INTO message_reactions (message_id, emoji, user_id, version, emoji_version) VALUES (@MessageId, '⚽', @UserId, @Version, @First)
            """, users.Select((u, i) => new { MessageId = sent.Id, UserId = u, Version = sent.Version + 1 + i, First = sent.Version + 1 }));

        var page = await SendAsync(new ListRoomMessages.Query(alice.User.Id, room.Id, null, null, null, 50));

        var ball = page.Items.Single().Reactions.Single();
        Assert.That(ball.Count, Is.EqualTo(60));
        Assert.That(ball.UserIds, Is.EqualTo(users.Take(50)), "earliest first");
    }

    [Test]
    public async Task Removing_needs_what_adding_needs()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "general");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        var sent = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "hi", null, null));
        await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, "👍"));

        await SendAsync(new LeaveRoom.Command(bob.User.Id, room.Id));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new RemoveReaction.Command(bob.User.Id, sent.Id, "👍")));
        await SendAsync(new DeleteMessage.Command(alice.User.Id, sent.Id));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new RemoveReaction.Command(alice.User.Id, sent.Id, "👍")));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new RemoveReaction.Command(alice.User.Id, sent.Id + 1000, "👍")));
    }

    [Test]
    public async Task Past_the_reactions_rate_limit_removing_is_429_and_adding_over_the_hub_shares_the_budget()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "hi", null, null));
        // A day-long window: the bucket refills continuously, and a loaded machine could earn a token back mid-test.
        await using var service = new OwnService(new Dictionary<string, string?>
        {
            ["RateLimits:Policies:Reactions:Burst"] = "3", ["RateLimits:Policies:Reactions:WindowSeconds"] = "86400",
        });
        using var client = service.Client(bob.AccessToken);
        await using var hub = await HubClient.ConnectAsync(bob.AccessToken, service.Address);

        Assert.That((await client.PutAsync($"/messages/{sent.Id}/reactions/%E2%9C%85", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await client.DeleteAsync($"/messages/{sent.Id}/reactions/%E2%9C%85")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await hub.InvokeAsync<Message>("RemoveReaction", new { messageId = sent.Id, emoji = "✅" });
        var refused = await client.DeleteAsync($"/messages/{sent.Id}/reactions/%E2%9C%85");

        var problem = await ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(nameof(RateLimitPolicies.Reactions)));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        var overHub = Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("AddReaction", new { messageId = sent.Id, emoji = "✅" }));
        Assert.That(overHub!.Message, Does.StartWith("429 Too Many Requests"));
    }

    [Test]
    public async Task Every_connection_receives_reaction_changes_in_version_order_with_the_other_message_events()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "busy");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        var messages = new List<Message>();
        for (var i = 0; i < 4; i++)
            messages.Add(await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, $"m{i}", null, null)));
        var listeners = new List<(HubConnection Connection, ConcurrentQueue<(string Event, long Version)> Heard)>();
        foreach (var user in new[] { alice, bob, carol })
            listeners.Add(await ListenAsync(user.AccessToken));
        var start = messages[^1].Version;

        // Sends, edits, deletes and reactions of one room from three users at once, over REST.
        var calls = new List<Task<HttpResponseMessage>>();
        var clients = new[] { alice, bob, carol }.Select(u => CreateClient(u.AccessToken)).ToList();
        foreach (var client in clients)
        {
            foreach (var message in messages)
            {
                calls.Add(client.PutAsync($"/messages/{message.Id}/reactions/%F0%9F%91%8D", null));
                calls.Add(client.PostAsJsonAsync($"/rooms/{room.Id}/messages", new { body = "more" }));
            }
            calls.Add(client.DeleteAsync($"/messages/{messages[0].Id}/reactions/%F0%9F%91%8D"));
        }
        calls.Add(clients[0].PatchAsJsonAsync($"/messages/{messages[1].Id}", new { body = "edited" }));
        calls.Add(clients[0].DeleteAsync($"/messages/{messages[3].Id}"));
        var answers = await Task.WhenAll(calls);
        clients.ForEach(c => c.Dispose());
        Assert.That(answers.Select(a => (int)a.StatusCode), Is.All.LessThan(300).Or.EqualTo(409), "a reaction to the deleted message may be 409");

        var end = await QuerySingleAsync<long>("SELECT version FROM conversations WHERE room_id = @Id", new { room.Id });
        foreach (var (connection, heard) in listeners)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (heard.Count < end - start && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            var order = heard.ToList();
            Assert.That(order.Select(h => h.Version), Is.EqualTo(Enumerable.Range(1, (int)(end - start)).Select(i => start + i)),
                string.Join(" ", order.Select(h => $"{h.Event}@{h.Version}")));
            Assert.That(order.Select(h => h.Event).Distinct(), Is.SupersetOf(new[] { "ReactionChanged", "MessageReceived", "MessageEdited", "MessageDeleted" }));
            await connection.DisposeAsync();
        }
    }

    /// <summary>A connection that records every message event in the order it arrives, with its version.</summary>
    private static async Task<(HubConnection, ConcurrentQueue<(string, long)>)> ListenAsync(string accessToken)
    {
        var connection = HubClient.Build(accessToken);
        var heard = new ConcurrentQueue<(string, long)>();
        foreach (var name in new[] { "MessageReceived", "MessageEdited", "MessageDeleted", "ReactionChanged" })
            connection.On<JsonElement>(name, e => heard.Enqueue((name, e.GetProperty("version").GetInt64())));
        await connection.StartAsync();
        // Room subscriptions are in place once a first call is answered (see HubClient).
        try
        {
            await connection.InvokeAsync("NoSuchMethod");
        }
        catch (HubException)
        {
        }
        return (connection, heard);
    }
}
