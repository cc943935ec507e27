using System.Text.Json;
using Messenger.Features.Conversations;
using Messenger.Features.Conversations.ListConversations;
using Messenger.Features.Conversations.MarkDirectRead;
using Messenger.Features.Friends.RemoveFriend;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.LeaveRoom;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Conversations;

public sealed class ListConversationsTests : TestBase
{
    [Test]
    public async Task Lists_my_rooms_and_direct_conversations_with_messages_latest_activity_first()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        await SendAsync(new Messenger.Features.Friends.SendFriendRequest.SendFriendRequest.Command(alice.User.Id, carol.User.Id));
        var quiet = await CreateRoomAsync(alice, "Quiet");
        await NextMillisecondAsync();
        var busy = await CreateRoomAsync(alice, "Busy");
        var inRoom = await SendAsync(new SendRoomMessage.Command(alice.User.Id, busy.Id, "in the room", null, null));
        await NextMillisecondAsync();
        var direct = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "hi alice", null, null));

        var list = await SendAsync(new ListConversations.Query(alice.User.Id, null, 50));

        Assert.That(list.Select(c => c.Name), Is.EqualTo(new[] { "bob", "Busy", "Quiet" }));
        var withBob = list[0];
        Assert.That(withBob.RoomId, Is.Null);
        Assert.That(withBob.User!.Id, Is.EqualTo(bob.User.Id));
        Assert.That(withBob.LastMessage!.Id, Is.EqualTo(direct.Id));
        Assert.That(withBob.LastMessage.Body, Is.EqualTo("hi alice"));
        Assert.That(withBob.Version, Is.EqualTo(direct.Version));
        Assert.That(withBob.UnreadCount, Is.EqualTo(1));
        Assert.That(withBob.LastReadMessageId, Is.Null);
        Assert.That(withBob.OtherLastReadMessageId, Is.EqualTo(direct.Id), "sending moved bob's marker to his message");
        Assert.That(withBob.LastActivityAt, Is.EqualTo(direct.CreatedAt));
        Assert.That(list[1].RoomId, Is.EqualTo(busy.Id));
        Assert.That(list[1].User, Is.Null);
        Assert.That(list[1].LastMessage!.Id, Is.EqualTo(inRoom.Id));
        Assert.That(list[1].UnreadCount, Is.EqualTo(0), "my own message is never unread");
        Assert.That(list[1].LastReadMessageId, Is.EqualTo(inRoom.Id));
        Assert.That(list[1].OtherLastReadMessageId, Is.Null);
        Assert.That(list[2].LastMessage, Is.Null);
        Assert.That(list[2].Version, Is.EqualTo(0));
        Assert.That(list[2].LastActivityAt, Is.EqualTo(await QuerySingleAsync<DateTime>(
            "SELECT joined_at FROM room_participants WHERE room_id = @Id", new { quiet.Id })), "a room without messages: when I joined");
    }

    [Test]
    public async Task Unread_count_leaves_out_deleted_messages_before_and_after_my_marker()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = new List<long>();
        for (var i = 1; i <= 6; i++)
            sent.Add((await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, $"m{i}", null, null))).Id);
        await SendAsync(new MarkDirectRead.Command(alice.User.Id, bob.User.Id, sent[2]));
        await SendAsync(new DeleteMessage.Command(bob.User.Id, sent[0]));
        await SendAsync(new DeleteMessage.Command(bob.User.Id, sent[3]));
        await SendAsync(new DeleteMessage.Command(bob.User.Id, sent[5]));

        var mine = (await SendAsync(new ListConversations.Query(alice.User.Id, null, 50))).Single();
        var bobs = (await SendAsync(new ListConversations.Query(bob.User.Id, null, 50))).Single();

        Assert.That(mine.UnreadCount, Is.EqualTo(1), "m5: m4 and m6 are deleted, m1-m3 read");
        Assert.That(mine.LastReadMessageId, Is.EqualTo(sent[2]));
        Assert.That(mine.OtherLastReadMessageId, Is.EqualTo(sent[5]));
        Assert.That(mine.LastMessage!.DeletedAt, Is.Not.Null, "the last message is shown as its tombstone");
        Assert.That(bobs.UnreadCount, Is.EqualTo(0));
        Assert.That(bobs.OtherLastReadMessageId, Is.EqualTo(sent[2]));
    }

    [Test]
    public async Task Sending_moves_my_marker_so_what_came_before_my_reply_is_no_longer_unread()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        for (var i = 1; i <= 3; i++)
            await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, $"m{i}", null, null));
        Assert.That((await SendAsync(new ListConversations.Query(alice.User.Id, null, 50))).Single().UnreadCount, Is.EqualTo(3));

        var reply = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "reply", null, null));
        await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "after", null, null));

        var mine = (await SendAsync(new ListConversations.Query(alice.User.Id, null, 50))).Single();
        Assert.That(mine.LastReadMessageId, Is.EqualTo(reply.Id));
        Assert.That(mine.UnreadCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Paging_with_the_cursor_walks_every_conversation_once_in_order()
    {
        var alice = await RegisterAsync("alice");
        for (var i = 0; i < 4; i++)
        {
            var room = await CreateRoomAsync(alice, $"room {i}");
            if (i % 2 == 0)
                await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "hello", null, null));
        }
        for (var i = 0; i < 3; i++)
        {
            var friend = await RegisterAsync($"friend{i}");
            var request = await SendAsync(new Messenger.Features.Friends.SendFriendRequest.SendFriendRequest.Command(alice.User.Id, friend.User.Id));
            await SendAsync(new Messenger.Features.Friends.RespondToFriendRequest.RespondToFriendRequest.Command(friend.User.Id, request.Id, true));
            await SendAsync(new SendDirectMessage.Command(friend.User.Id, alice.User.Id, "hi", null, null));
        }
        // Two rooms on the same instant: the cursor must still tell them apart.
        await ExecuteAsync("UPDATE room_participants SET joined_at = '2026-01-01 00:00:00.000' WHERE user_id = @Id", new { alice.User.Id });
        await ExecuteAsync("UPDATE messages SET created_at = '2026-01-01 00:00:00.000' WHERE room_id IS NOT NULL");
        var everything = await SendAsync(new ListConversations.Query(alice.User.Id, null, 100));
        Assert.That(everything, Has.Count.EqualTo(7));

        var walked = new List<Conversation>();
        string? before = null;
        while (true)
        {
            var page = await SendAsync(new ListConversations.Query(alice.User.Id, before, 2));
            walked.AddRange(page);
            if (page.Count < 2)
                break;
            var last = page[^1];
            before = $"{last.LastActivityAt:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}|" + (last.RoomId is { } roomId ? $"room:{roomId}" : $"user:{last.User!.Id}");
        }

        Assert.That(walked.Select(Key), Is.EqualTo(everything.Select(Key)));
        Assert.That(walked.Select(c => c.LastActivityAt), Is.Ordered.Descending);
    }

    private static string Key(Conversation c) => c.RoomId is { } roomId ? $"room:{roomId}" : $"user:{c.User!.Id}";

    [Test]
    public async Task Leaving_a_room_removes_it_and_unfriending_keeps_the_direct_conversation()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var room = await CreateRoomAsync(bob, "General");
        await SendAsync(new JoinRoom.Command(alice.User.Id, room.Id));
        await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "hi", null, null));

        await SendAsync(new LeaveRoom.Command(alice.User.Id, room.Id));
        await SendAsync(new RemoveFriend.Command(alice.User.Id, bob.User.Id));

        var list = await SendAsync(new ListConversations.Query(alice.User.Id, null, 50));
        Assert.That(list.Select(c => c.User?.Id), Is.EqualTo(new long?[] { bob.User.Id }));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM conversation_reads r JOIN conversations c ON c.id = r.conversation_id " +
                                                 "WHERE c.room_id = @RoomId AND r.user_id = @UserId", new { RoomId = room.Id, UserId = alice.User.Id }),
            Is.EqualTo(0), "the leaver's marker goes with the membership");
    }

    [Test]
    public async Task The_answer_has_the_contracts_conversation_shape()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "hi", null, null));
        await CreateRoomAsync(alice, "General");

        var response = await CreateClient(alice.AccessToken).GetAsync("/conversations");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var items = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync()).EnumerateArray().ToList();
        Assert.That(items, Has.Count.EqualTo(2));
        foreach (var item in items)
            Assert.That(item.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[]
            {
                "roomId", "user", "name", "version", "lastMessage", "unreadCount", "lastReadMessageId", "otherLastReadMessageId", "lastActivityAt",
            }));
        var direct = items.Single(i => i.GetProperty("roomId").ValueKind == JsonValueKind.Null);
        Assert.That(direct.GetProperty("user").GetProperty("id").GetInt64(), Is.EqualTo(bob.User.Id));
        Assert.That(direct.GetProperty("lastMessage").GetProperty("attachments").GetArrayLength(), Is.EqualTo(0));
        Assert.That(direct.GetProperty("lastActivityAt").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
    }

    [TestCase("limit=0", "limit")]
    [TestCase("limit=101", "limit")]
    [TestCase("limit=many", "limit")]
    [TestCase("before=yesterday", "before")]
    [TestCase("before=2026-01-01T00:00:00.000Z|chat:5", "before")]
    [TestCase("before=2026-01-01T00:00:00.000Z|room:x", "before")]
    public async Task A_bad_limit_or_cursor_is_a_problem_naming_it(string queryString, string field)
    {
        var alice = await RegisterAsync("alice");

        var response = await CreateClient(alice.AccessToken).GetAsync($"/conversations?{queryString}");

        await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(await ProblemFieldsAsync(response), Does.Contain(field));
    }
}
