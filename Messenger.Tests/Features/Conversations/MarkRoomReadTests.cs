using Messenger.Features.Conversations.ListConversations;
using Messenger.Features.Conversations.MarkRoomRead;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Conversations;

public sealed class MarkRoomReadTests : TestBase
{
    [Test]
    public async Task The_marker_moves_forward_only_and_each_move_reaches_my_connections()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        var sent = new List<long>();
        for (var i = 1; i <= 3; i++)
            sent.Add((await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, $"m{i}", null, null))).Id);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        var client = CreateClient(bob.AccessToken);

        var response = await client.PostAsJsonAsync($"/rooms/{room.Id}/read", new { messageId = sent[1] });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        foreach (var tab in new[] { bobTab1, bobTab2 })
            Assert.That(await tab.NextAsync<ConversationReadEvent>("ConversationRead"), Is.EqualTo(new ConversationReadEvent(room.Id, bob.User.Id, sent[1])));
        await aliceTab.AssertNoEventAsync("ConversationRead");
        var conversation = (await SendAsync(new ListConversations.Query(bob.User.Id, null, 50))).Single();
        Assert.That(conversation.LastReadMessageId, Is.EqualTo(sent[1]));
        Assert.That(conversation.UnreadCount, Is.EqualTo(1));

        var older = await client.PostAsJsonAsync($"/rooms/{room.Id}/read", new { messageId = sent[0] });
        var same = await client.PostAsJsonAsync($"/rooms/{room.Id}/read", new { messageId = sent[1] });

        Assert.That(older.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(same.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await bobTab1.AssertNoEventAsync("ConversationRead");
        Assert.That((await SendAsync(new ListConversations.Query(bob.User.Id, null, 50))).Single().LastReadMessageId, Is.EqualTo(sent[1]));
    }

    [Test]
    public async Task Sending_counts_as_reading_so_marking_an_earlier_message_read_changes_nothing()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        var first = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "one", null, null));
        await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "two", null, null));
        var reply = await SendAsync(new SendRoomMessage.Command(bob.User.Id, room.Id, "mine", null, null));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        var client = CreateClient(bob.AccessToken);

        var response = await client.PostAsJsonAsync($"/rooms/{room.Id}/read", new { messageId = first.Id });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await bobTab.AssertNoEventAsync("ConversationRead");
        var conversation = (await SendAsync(new ListConversations.Query(bob.User.Id, null, 50))).Single();
        Assert.That((conversation.LastReadMessageId, conversation.UnreadCount), Is.EqualTo((reply.Id, 0L)));

        var later = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "three", null, null));
        Assert.That((await SendAsync(new ListConversations.Query(bob.User.Id, null, 50))).Single().UnreadCount, Is.EqualTo(1));
        await client.PostAsJsonAsync($"/rooms/{room.Id}/read", new { messageId = later.Id });
        Assert.That(await bobTab.NextAsync<ConversationReadEvent>("ConversationRead"), Is.EqualTo(new ConversationReadEvent(room.Id, bob.User.Id, later.Id)));
    }

    [Test]
    public async Task An_unknown_message_or_one_of_another_conversation_is_a_problem_naming_messageId()
    {
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "General");
        var other = await CreateRoomAsync(alice, "Other");
        var elsewhere = await SendAsync(new SendRoomMessage.Command(alice.User.Id, other.Id, "elsewhere", null, null));
        var client = CreateClient(alice.AccessToken);

        foreach (var body in new object[] { new { messageId = 999_999 }, new { messageId = elsewhere.Id }, new { messageId = 0 }, new { } })
        {
            var response = await client.PostAsJsonAsync($"/rooms/{room.Id}/read", body);

            await ReadProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "messageId" }), $"{body}");
        }
    }

    [Test]
    public async Task A_room_I_cannot_see_is_not_found_and_one_I_am_not_in_is_forbidden()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var open = await CreateRoomAsync(alice, "Open");
        var secret = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        var inOpen = await SendAsync(new SendRoomMessage.Command(alice.User.Id, open.Id, "hi", null, null));
        var inSecret = await SendAsync(new SendRoomMessage.Command(alice.User.Id, secret.Id, "hi", null, null));
        var client = CreateClient(bob.AccessToken);

        await ReadProblemAsync(await client.PostAsJsonAsync($"/rooms/{open.Id}/read", new { messageId = inOpen.Id }), HttpStatusCode.Forbidden);
        await ReadProblemAsync(await client.PostAsJsonAsync($"/rooms/{secret.Id}/read", new { messageId = inSecret.Id }), HttpStatusCode.NotFound);
        await ReadProblemAsync(await client.PostAsJsonAsync("/rooms/999999/read", new { messageId = inSecret.Id }), HttpStatusCode.NotFound);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM conversation_reads WHERE user_id = @Id", new { bob.User.Id }), Is.EqualTo(0));
    }

    // A service of its own with a small burst and a day-long window: the bucket refills
    // continuously (60 per 60 s is one token a second), so spending the default burst of 60 on a
    // loaded machine can earn a token back before the call that should be refused.
    [Test]
    public async Task Marking_read_is_rate_limited_per_user()
    {
        await using var service = new OwnService(new Dictionary<string, string?>
        {
            ["RateLimits:Policies:Reads:Burst"] = "3", ["RateLimits:Policies:Reads:WindowSeconds"] = "86400",
        });
        var alice = await RegisterAsync("alice");
        var room = await CreateRoomAsync(alice, "General");
        var sent = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "hi", null, null));
        using var client = service.Client(alice.AccessToken);

        for (var i = 0; i < 3; i++)
            Assert.That((await client.PostAsJsonAsync($"/rooms/{room.Id}/read", new { messageId = sent.Id })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var refused = await client.PostAsJsonAsync($"/rooms/{room.Id}/read", new { messageId = sent.Id });

        var problem = await ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(nameof(RateLimitPolicies.Reads)));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
    }
}
