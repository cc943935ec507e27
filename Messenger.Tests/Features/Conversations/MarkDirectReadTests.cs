using Messenger.Features.Conversations.ListConversations;
using Messenger.Features.Conversations.MarkDirectRead;
using Messenger.Features.Friends.RemoveFriend;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Conversations;

public sealed class MarkDirectReadTests : TestBase
{
    [Test]
    public async Task The_move_reaches_my_connections_and_the_other_users_who_sees_it_as_their_other_marker()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var first = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "one", null, null));
        await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "two", null, null));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/friends/{bob.User.Id}/read", new { messageId = first.Id });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var expected = new ConversationReadEvent(null, alice.User.Id, first.Id);
        Assert.That(await aliceTab.NextAsync<ConversationReadEvent>("ConversationRead"), Is.EqualTo(expected));
        Assert.That(await bobTab.NextAsync<ConversationReadEvent>("ConversationRead"), Is.EqualTo(expected));
        var bobs = (await SendAsync(new ListConversations.Query(bob.User.Id, null, 50))).Single();
        Assert.That(bobs.OtherLastReadMessageId, Is.EqualTo(first.Id));
        var alices = (await SendAsync(new ListConversations.Query(alice.User.Id, null, 50))).Single();
        Assert.That(alices.UnreadCount, Is.EqualTo(1));
    }

    [Test]
    public async Task An_older_message_changes_nothing_and_sends_nothing()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var first = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "one", null, null));
        var second = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "two", null, null));
        await SendAsync(new MarkDirectRead.Command(alice.User.Id, bob.User.Id, second.Id));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await SendAsync(new MarkDirectRead.Command(alice.User.Id, bob.User.Id, first.Id));

        await bobTab.AssertNoEventAsync("ConversationRead");
        Assert.That((await SendAsync(new ListConversations.Query(alice.User.Id, null, 50))).Single().LastReadMessageId, Is.EqualTo(second.Id));
    }

    [Test]
    public async Task An_unknown_user_is_not_found_and_a_message_of_another_conversation_is_bad_input()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (carol, dave) = await FriendsAsync("carol", "dave");
        var theirs = await SendAsync(new SendDirectMessage.Command(carol.User.Id, dave.User.Id, "theirs", null, null));
        var client = CreateClient(alice.AccessToken);

        await ReadProblemAsync(await client.PostAsJsonAsync("/friends/999999/read", new { messageId = theirs.Id }), HttpStatusCode.NotFound);
        foreach (var messageId in new[] { theirs.Id, 999_999 })
        {
            var response = await client.PostAsJsonAsync($"/friends/{bob.User.Id}/read", new { messageId });
            await ReadProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.That(await ProblemFieldsAsync(response), Is.EqualTo(new[] { "messageId" }));
        }
        Assert.ThrowsAsync<BadRequestException>(() => SendAsync(new MarkDirectRead.Command(alice.User.Id, carol.User.Id, theirs.Id)));
    }

    [Test]
    public async Task A_former_friend_can_still_mark_the_history_read()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "one", null, null));
        await SendAsync(new RemoveFriend.Command(bob.User.Id, alice.User.Id));

        await SendAsync(new MarkDirectRead.Command(alice.User.Id, bob.User.Id, sent.Id));

        var alices = (await SendAsync(new ListConversations.Query(alice.User.Id, null, 50))).Single();
        Assert.That(alices.LastReadMessageId, Is.EqualTo(sent.Id));
        Assert.That(alices.UnreadCount, Is.EqualTo(0));
    }
}
