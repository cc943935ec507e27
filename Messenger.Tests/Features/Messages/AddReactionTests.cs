using System.Net.Http.Json;
using Messenger.Features.Auth;
using Messenger.Features.Friends.RemoveFriend;
using Messenger.Features.Messages;
using Messenger.Features.Messages.AddReaction;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.ListRoomMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class AddReactionTests : TestBase
{
    [Test]
    public async Task A_reaction_over_the_hub_reaches_the_whole_room_and_the_message_carries_it_with_a_new_version()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "general");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        var sent = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "pizza tonight", null, null));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var reacted = await bobTab.InvokeAsync<Message>("AddReaction", new { messageId = sent.Id, emoji = "👍" });

        Assert.That(reacted.Version, Is.EqualTo(sent.Version + 1));
        Assert.That(reacted.Reactions, Has.Count.EqualTo(1));
        Assert.That((reacted.Reactions[0].Emoji, reacted.Reactions[0].Count, reacted.Reactions[0].UserIds), Is.EqualTo(("👍", 1L, new[] { bob.User.Id })));
        foreach (var tab in new[] { aliceTab, bobTab })
            Assert.That(await tab.NextAsync<ReactionChangedEvent>("ReactionChanged"), Is.EqualTo(new ReactionChangedEvent(
                sent.Id, room.Id, alice.User.Id, null, "👍", bob.User.Id, Added: true, Count: 1, reacted.Version)));
        Assert.That(await QuerySingleAsync<long>("SELECT version FROM conversations WHERE room_id = @Id", new { room.Id }), Is.EqualTo(reacted.Version));
    }

    [Test]
    public async Task Reactions_list_each_emoji_once_in_the_order_first_used_with_users_earliest_first()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "done!", null, null));

        await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, "🎉"));
        await SendAsync(new AddReaction.Command(alice.User.Id, sent.Id, "👍"));
        var last = await SendAsync(new AddReaction.Command(alice.User.Id, sent.Id, "🎉"));

        Assert.That(last.Reactions.Select(r => (r.Emoji, r.Count, string.Join(",", r.UserIds))), Is.EqualTo(new[]
        {
            ("🎉", 2L, $"{bob.User.Id},{alice.User.Id}"), ("👍", 1L, $"{alice.User.Id}"),
        }));
        Assert.That(last.Version, Is.EqualTo(sent.Version + 3));
    }

    [Test]
    public async Task The_rest_twin_answers_200_and_adding_again_changes_nothing()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "hi", null, null));
        using var client = CreateClient(bob.AccessToken);
        var first = await client.PutAsync($"/messages/{sent.Id}/reactions/{Uri.EscapeDataString("👩🏽‍💻")}", null);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var reacted = (await first.Content.ReadFromJsonAsync<Message>())!;
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var again = await client.PutAsync($"/messages/{sent.Id}/reactions/{Uri.EscapeDataString("👩🏽‍💻")}", null);

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var same = (await again.Content.ReadFromJsonAsync<Message>())!;
        Assert.That((same.Version, same.Reactions.Single().Emoji, same.Reactions.Single().Count), Is.EqualTo((reacted.Version, "👩🏽‍💻", 1L)));
        Assert.That(await QuerySingleAsync<long>("SELECT version FROM conversations WHERE user_low IS NOT NULL"), Is.EqualTo(reacted.Version));
        await aliceTab.AssertNoEventAsync("ReactionChanged");
    }

    [Test]
    public async Task An_emoji_is_1_to_32_characters_without_whitespace_or_control_characters()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "hi", null, null));
        using var client = CreateClient(bob.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        // 👩🏽‍💻 is 4 code points: eight of them are exactly 32.
        var longest = string.Concat(Enumerable.Repeat("👩🏽‍💻", 8));

        Assert.That((await client.PutAsync($"/messages/{sent.Id}/reactions/{Uri.EscapeDataString(longest)}", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        foreach (var refused in new[] { "x" + longest, "a b", "a\u00a0b", "\u0007", "a\u0085" })
        {
            var response = await client.PutAsync($"/messages/{sent.Id}/reactions/{Uri.EscapeDataString(refused)}", null);
            Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "emoji" }), refused);
        }
        var empty = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("AddReaction", new { messageId = sent.Id, emoji = "" }));
        Assert.That(empty!.Message, Does.StartWith("400 Bad Request: emoji: must not be empty"));
        var none = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("AddReaction", new { emoji = "👍" }));
        Assert.That(none!.Message, Does.StartWith("400 Bad Request: messageId: "));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM message_reactions"), Is.EqualTo(1));
        // Paths no emoji takes: the server leaves what it cannot decode as it came, and nothing is a 500.
        foreach (var odd in new[] { "%FF", "%2F", "%C0%AF", "..", "%00" })
        {
            var response = await client.PutAsync($"/messages/{sent.Id}/reactions/{odd}", null);
            Assert.That((int)response.StatusCode, Is.LessThan(500), $"{odd}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Test]
    public async Task You_react_only_where_you_could_send()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        var open = await CreateRoomAsync(alice, "open");
        var secret = await CreateRoomAsync(alice, "secret", isPrivate: true);
        var direct = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "direct", null, null));
        var inOpen = await SendAsync(new SendRoomMessage.Command(alice.User.Id, open.Id, "open", null, null));
        var inSecret = await SendAsync(new SendRoomMessage.Command(alice.User.Id, secret.Id, "secret", null, null));
        await using var carolTab = await HubClient.ConnectAsync(carol.AccessToken);

        async Task<string> RefusalAsync(long messageId) =>
            Assert.ThrowsAsync<HubException>(() => carolTab.InvokeAsync("AddReaction", new { messageId, emoji = "👀" }))!.Message;

        Assert.That(await RefusalAsync(direct.Id), Does.StartWith($"404 Not Found: message {direct.Id} not found"));
        Assert.That(await RefusalAsync(inOpen.Id), Does.StartWith($"403 Forbidden: you are not a participant of room {open.Id}"));
        Assert.That(await RefusalAsync(inSecret.Id), Does.StartWith($"404 Not Found: room {secret.Id} not found"));
        Assert.That(await RefusalAsync(inSecret.Id + 1000), Does.StartWith($"404 Not Found: message {inSecret.Id + 1000} not found"));
        await SendAsync(new InviteToRoom.Command(alice.User.Id, secret.Id, carol.User.Id));
        Assert.That(await RefusalAsync(inSecret.Id), Does.StartWith("403 Forbidden"), "an invitee sees the room but is not in it");
        await SendAsync(new JoinRoom.Command(carol.User.Id, open.Id));
        Assert.That((await carolTab.InvokeAsync<Message>("AddReaction", new { messageId = inOpen.Id, emoji = "👀" })).Reactions, Has.Count.EqualTo(1));

        await SendAsync(new RemoveFriend.Command(alice.User.Id, bob.User.Id));
        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new AddReaction.Command(bob.User.Id, direct.Id, "👍")));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM message_reactions"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_deleted_message_takes_no_reaction_and_loses_the_ones_it_had()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "soon gone", null, null));
        await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, "👍"));

        await SendAsync(new DeleteMessage.Command(alice.User.Id, sent.Id));

        var response = await CreateClient(bob.AccessToken).PutAsync($"/messages/{sent.Id}/reactions/%F0%9F%91%8D", null);
        await ReadProblemAsync(response, HttpStatusCode.Conflict);
        var page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, null, 50));
        Assert.That(page.Items.Single().Reactions, Is.Empty);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM message_reactions"), Is.Zero);
    }

    [Test]
    public async Task A_message_takes_at_most_20_distinct_emoji_and_more_users_of_one_of_them()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "react!", null, null));
        var emoji = Enumerable.Range(0, 21).Select(i => char.ConvertFromUtf32(0x1F600 + i)).ToList();
        foreach (var e in emoji.Take(20))
            await SendAsync(new AddReaction.Command(alice.User.Id, sent.Id, e));

        var e21 = Assert.ThrowsAsync<ConflictException>(() => SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, emoji[20])));
        Assert.That(e21!.Message, Does.Contain("20"));
        var more = await SendAsync(new AddReaction.Command(bob.User.Id, sent.Id, emoji[0]));

        Assert.That(more.Reactions.Select(r => r.Emoji), Is.EqualTo(emoji.Take(20)));
        Assert.That(more.Reactions[0].Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Twenty_users_adding_the_same_emoji_at_once_on_two_instances_count_twenty()
    {
        var (room, users, sent) = await RoomOfAsync(20);
        await using var other = new OwnService(_ => { });

        var answers = await Task.WhenAll(users.Select((u, i) =>
            (i % 2 == 0 ? CreateClient(u.AccessToken) : other.Client(u.AccessToken)).PutAsync($"/messages/{sent.Id}/reactions/%F0%9F%94%A5", null)));

        Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        var page = await SendAsync(new ListRoomMessages.Query(users[0].User.Id, room, null, null, null, 50));
        var fire = page.Items.Single(m => m.Id == sent.Id).Reactions.Single();
        Assert.That((fire.Emoji, fire.Count), Is.EqualTo(("🔥", 20L)));
        Assert.That(fire.UserIds, Is.EquivalentTo(users.Select(u => u.User.Id)));
        var versions = await QueryAsync<long>("SELECT version FROM message_reactions ORDER BY version");
        Assert.That(versions, Is.EqualTo(Enumerable.Range(1, 20).Select(i => sent.Version + i)), "each took the next version in turn");
        Assert.That(page.Version, Is.EqualTo(sent.Version + 20));
    }

    [Test]
    public async Task Two_users_adding_the_20th_and_21st_distinct_emoji_at_once_on_two_instances_leave_20()
    {
        var (_, users, sent) = await RoomOfAsync(2);
        for (var i = 0; i < 19; i++)
            await SendAsync(new AddReaction.Command(users[i % 2].User.Id, sent.Id, char.ConvertFromUtf32(0x1F600 + i)));
        await using var other = new OwnService(_ => { });

        for (var round = 0; round < 5; round++)
        {
            var (a, b) = (char.ConvertFromUtf32(0x1F680 + 2 * round), char.ConvertFromUtf32(0x1F681 + 2 * round));
            var answers = await Task.WhenAll(
                CreateClient(users[0].AccessToken).PutAsync($"/messages/{sent.Id}/reactions/{Uri.EscapeDataString(a)}", null),
                other.Client(users[1].AccessToken).PutAsync($"/messages/{sent.Id}/reactions/{Uri.EscapeDataString(b)}", null));

            Assert.That(answers.Select(r => r.StatusCode), Is.EquivalentTo(new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }), $"round {round}");
            Assert.That(await QuerySingleAsync<long>("SELECT COUNT(DISTINCT emoji) FROM message_reactions"), Is.EqualTo(20));
            // Free the 20th place again for the next round.
            await ExecuteAsync("DELETE FROM message_reactions WHERE emoji IN (@A, @B)", new { A = a, B = b });
        }
    }

    [Test]
    public async Task History_pages_since_and_edits_all_carry_the_reactions()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var first = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "one", null, null));
        var second = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "two", null, null));
        var seen = second.Version;

        await SendAsync(new AddReaction.Command(bob.User.Id, first.Id, "👍"));
        await SendAsync(new AddReaction.Command(alice.User.Id, second.Id, "✅"));
        var edited = await SendAsync(new EditMessage.Command(alice.User.Id, first.Id, "one!"));

        Assert.That(edited.Reactions.Single().Emoji, Is.EqualTo("👍"));
        var page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, null, 50));
        Assert.That(page.Items.Select(m => m.Reactions.Single().Emoji), Is.EqualTo(new[] { "👍", "✅" }));
        var since = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, seen, 50));
        Assert.That(since.Items.Select(m => (m.Id, m.Version)), Is.EqualTo(new[] { (second.Id, seen + 2), (first.Id, seen + 3) }),
            "both reacted messages, in version order");
        Assert.That(since.Items.Select(m => m.Reactions.Single().UserIds.Single()), Is.EqualTo(new[] { alice.User.Id, bob.User.Id }));
    }

    [Test]
    public async Task Past_the_reactions_rate_limit_adding_is_429_with_retry_after()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "spam me", null, null));
        // A day-long window: the bucket refills continuously, and a loaded machine could earn a token back mid-test.
        await using var service = new OwnService(new Dictionary<string, string?>
        {
            ["RateLimits:Policies:Reactions:Burst"] = "3", ["RateLimits:Policies:Reactions:WindowSeconds"] = "86400",
        });
        using var client = service.Client(bob.AccessToken);

        for (var i = 0; i < 3; i++)
            Assert.That((await client.PutAsync($"/messages/{sent.Id}/reactions/%E2%9C%85", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var refused = await client.PutAsync($"/messages/{sent.Id}/reactions/%E2%9C%85", null);

        var problem = await ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(nameof(RateLimitPolicies.Reactions)));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
    }

    /// <summary>A public room of <paramref name="count"/> participants with one message from the first.</summary>
    private static async Task<(long RoomId, IReadOnlyList<AuthResponse> Users, Message Sent)> RoomOfAsync(int count)
    {
        var users = new List<AuthResponse>();
        for (var i = 0; i < count; i++)
            users.Add(await RegisterAsync($"user{i}"));
        var room = await CreateRoomAsync(users[0], "crowd");
        foreach (var user in users.Skip(1))
            await SendAsync(new JoinRoom.Command(user.User.Id, room.Id));
        return (room.Id, users, await SendAsync(new SendRoomMessage.Command(users[0].User.Id, room.Id, "react to this", null, null)));
    }
}
