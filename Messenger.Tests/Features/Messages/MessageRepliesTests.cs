using System.Net.Http.Json;
using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.ListRoomMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

/// <summary>replyToId across both send slices, and replyTo on every Message read.</summary>
public sealed class MessageRepliesTests : TestBase
{
    [Test]
    public async Task A_room_reply_over_the_hub_carries_replyTo_in_its_answer_its_event_and_history()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "general");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        var question = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "lunch?", null, null));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var reply = await bobTab.InvokeAsync<Message>("SendRoomMessage", new { roomId = room.Id, body = "yes", replyToId = question.Id });

        var expected = new ReplyTo(question.Id, alice.User.Id, "lunch?", null);
        Assert.That(reply.ReplyTo, Is.EqualTo(expected));
        Assert.That((await aliceTab.NextAsync<Message>("MessageReceived")).ReplyTo, Is.EqualTo(expected));
        var page = await SendAsync(new ListRoomMessages.Query(alice.User.Id, room.Id, null, null, null, 50));
        Assert.That(page.Items.Select(m => m.ReplyTo), Is.EqualTo(new[] { null, expected }));
        var since = await SendAsync(new ListRoomMessages.Query(alice.User.Id, room.Id, null, null, question.Version, 50));
        Assert.That(since.Items.Single().ReplyTo, Is.EqualTo(expected));
        Assert.That(question.ReplyTo, Is.Null);
    }

    [Test]
    public async Task A_direct_reply_over_rest_answers_201_with_the_replied_to_body_cut_to_200_characters()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        // 300 emoji: 600 UTF-16 units, 300 characters as the contract counts them.
        var question = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, string.Concat(Enumerable.Repeat("😀", 300)), null, null));

        var response = await CreateClient(bob.AccessToken).PostAsJsonAsync($"/friends/{alice.User.Id}/messages", new { body = "ok", replyToId = question.Id });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var reply = (await response.Content.ReadFromJsonAsync<Message>())!;
        Assert.That(reply.ReplyTo!.Body, Is.EqualTo(string.Concat(Enumerable.Repeat("😀", 200))));
        var page = await CreateClient(alice.AccessToken).GetFromJsonAsync<MessagePage>($"/friends/{bob.User.Id}/messages");
        Assert.That(page!.Items.Last().ReplyTo, Is.EqualTo(reply.ReplyTo));
    }

    [Test]
    public async Task A_reply_to_a_message_of_another_conversation_or_none_is_400_naming_replyToId_and_stores_nothing()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (carol, dave) = await FriendsAsync("carol", "dave");
        var room = await CreateRoomAsync(alice, "general");
        var elsewhere = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "in the room", null, null));
        var direct = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "direct", null, null));
        var theirs = await SendAsync(new SendDirectMessage.Command(carol.User.Id, dave.User.Id, "between carol and dave", null, null));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        using var client = CreateClient(alice.AccessToken);
        var messages = await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages");

        var toRoom = await client.PostAsJsonAsync($"/rooms/{room.Id}/messages", new { body = "re", replyToId = direct.Id });
        var toFriend = await client.PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = "re", replyToId = elsewhere.Id });
        var others = await client.PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = "re", replyToId = theirs.Id });
        var unknown = await client.PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = "re", replyToId = direct.Id + 1000 });
        var zero = await client.PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = "re", replyToId = 0 });
        var hub = Assert.ThrowsAsync<HubException>(() =>
            aliceTab.InvokeAsync("SendDirectMessage", new { toUserId = bob.User.Id, body = "re", replyToId = elsewhere.Id }));

        foreach (var response in new[] { toRoom, toFriend, others, unknown, zero })
        {
            var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.That(ErrorFields(problem), Is.EqualTo(new[] { "replyToId" }));
        }
        Assert.That(hub!.Message, Does.StartWith("400 Bad Request: replyToId: "));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.EqualTo(messages));
    }

    [Test]
    public async Task A_reply_with_a_file_commits_both_and_a_refused_one_leaves_no_trace_not_even_for_an_outsider()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(alice, "general");
        var question = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "photo?", null, null));
        var inRoom = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "room", null, null));
        var file = await StorageTesting.UploadAsync(CreateClient(alice.AccessToken), StorageTesting.RandomBytes(10));
        var carolsFile = await StorageTesting.UploadAsync(CreateClient(carol.AccessToken), StorageTesting.RandomBytes(10));
        var version = await QuerySingleAsync<long>("SELECT version FROM conversations WHERE room_id = @Id", new { room.Id });

        var refused = Assert.ThrowsAsync<BadRequestException>(() =>
            SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "here", [file.Id], null, inRoom.Id)));
        var outsider = Assert.ThrowsAsync<ForbiddenException>(() =>
            SendAsync(new SendRoomMessage.Command(carol.User.Id, room.Id, "me too", [carolsFile.Id], null, inRoom.Id)));
        var reply = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "here", [file.Id], null, question.Id));

        Assert.That(refused!.Field, Is.EqualTo("replyToId"));
        Assert.That(outsider, Is.Not.Null, "not being in the room comes before the replied-to message");
        Assert.That(await QuerySingleAsync<long>("SELECT version FROM conversations WHERE room_id = @Id", new { room.Id }), Is.EqualTo(version));
        Assert.That(await StorageTesting.CountAsync("message_attachments"), Is.EqualTo(1));
        Assert.That((reply.ReplyTo?.Id, reply.Attachments.Select(a => a.Id)), Is.EqualTo((question.Id, new[] { file.Id })));
        var stored = (await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, null, 50))).Items.Last();
        Assert.That((stored.Id, stored.ReplyTo?.Id, stored.Attachments.Single().Id), Is.EqualTo((reply.Id, question.Id, file.Id)));
    }

    [Test]
    public async Task A_reply_to_a_message_deleted_later_stays_and_shows_it_deleted()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var question = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "oops, wrong chat", null, null));
        var reply = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "what?", null, null, question.Id));

        await SendAsync(new DeleteMessage.Command(alice.User.Id, question.Id));

        var page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, null, 50));
        var shown = page.Items.Single(m => m.Id == reply.Id);
        Assert.That((shown.Body, shown.DeletedAt, shown.Version), Is.EqualTo(("what?", (DateTime?)null, reply.Version)), "the reply itself is unchanged");
        Assert.That(shown.ReplyTo!.Id, Is.EqualTo(question.Id));
        Assert.That(shown.ReplyTo.Body, Is.EqualTo(""));
        Assert.That(shown.ReplyTo.DeletedAt, Is.EqualTo(page.Items.Single(m => m.Id == question.Id).DeletedAt).And.Not.Null);
        // Answering a message deleted a moment before is the same as answering just before its delete.
        var late = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "gone?", null, null, question.Id));
        Assert.That((late.ReplyTo!.Body, late.ReplyTo.DeletedAt), Is.EqualTo(("", shown.ReplyTo.DeletedAt)));
    }

    [Test]
    public async Task A_deleted_reply_loses_its_replyTo_and_an_edit_keeps_it()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var question = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "question", null, null));
        var reply = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "answr", null, null, question.Id));

        var edited = await SendAsync(new EditMessage.Command(bob.User.Id, reply.Id, "answer"));
        Assert.That(edited.ReplyTo, Is.EqualTo(reply.ReplyTo));
        await SendAsync(new DeleteMessage.Command(bob.User.Id, reply.Id));

        var page = await SendAsync(new ListDirectMessages.Query(alice.User.Id, bob.User.Id, null, null, null, 50));
        Assert.That(page.Items.Single(m => m.Id == reply.Id).ReplyTo, Is.Null);
    }

    [Test]
    public async Task A_retry_with_the_same_clientMessageId_must_reply_to_the_same_message()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var first = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "one", null, null));
        var second = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "two", null, null));
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "agreed", null, "c-1", first.Id));

        var again = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "agreed", null, "c-1", first.Id));
        Assert.That((again.Id, again.ReplyTo), Is.EqualTo((sent.Id, sent.ReplyTo)));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "agreed", null, "c-1", second.Id)));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "agreed", null, "c-1")));
    }
}
