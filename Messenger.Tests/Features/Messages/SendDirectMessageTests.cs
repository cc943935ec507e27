using System.Net;
using System.Net.Http.Json;
using Dapper;
using FluentValidation;
using Messenger.Features.Friends.RespondToFriendRequest;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Features.Messages;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class SendDirectMessageTests : TestBase
{
    [Test]
    public async Task A_message_to_a_friend_reaches_every_connection_of_both_users()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);

        var sent = await aliceTab1.InvokeAsync<Message>("SendDirectMessage", new { toUserId = bob.User.Id, body = "  hello bob  " });

        Assert.That(sent.Body, Is.EqualTo("hello bob"), "stored trimmed");
        Assert.That(sent.SenderId, Is.EqualTo(alice.User.Id));
        Assert.That(sent.RecipientId, Is.EqualTo(bob.User.Id));
        Assert.That(sent.RoomId, Is.Null);
        Assert.That(sent.Attachments, Is.Empty);
        Assert.That(sent.EditedAt, Is.Null);
        Assert.That(sent.DeletedAt, Is.Null);
        foreach (var tab in new[] { aliceTab1, aliceTab2, bobTab1, bobTab2 })
            Assert.That((await tab.NextAsync<Message>("MessageReceived")).Id, Is.EqualTo(sent.Id));
    }

    [Test]
    public async Task The_rest_twin_answers_201_with_the_same_message_and_events()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = "via rest" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var sent = await response.Content.ReadFromJsonAsync<Message>();
        var received = await bobTab.NextAsync<Message>("MessageReceived");
        Assert.That(received, Is.EqualTo(sent).Using<Message>((a, b) => a.Id == b.Id && a.Body == b.Body && a.CreatedAt == b.CreatedAt));
        var json = await response.Content.ReadAsStringAsync();
        Assert.That(json, Does.Match("\"createdAt\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\""));
    }

    [Test]
    public async Task Only_friends_may_message_each_other()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("SendDirectMessage", new { toUserId = bob.User.Id, body = "hi" }));
        Assert.That(e!.Message, Does.StartWith($"403 Forbidden: user {bob.User.Id} is not your friend"));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new SendDirectMessage.Command(alice.User.Id, 999_999, "hi", null, null)));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.Zero);
    }

    [TestCase("")]
    [TestCase("   ")]
    public async Task An_empty_body_without_attachments_is_refused_naming_body(string body)
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("SendDirectMessage", new { toUserId = bob.User.Id, body }));

        Assert.That(e!.Message, Does.StartWith("400 Bad Request: body: must not be empty"));
    }

    [Test]
    public async Task Oversized_bodies_too_many_attachments_and_long_client_ids_are_refused()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");

        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id,
            new string('x', 4001), Enumerable.Range(1, 11).Select(i => (long)i).ToList(), new string('c', 65))));

        Assert.That(e!.Errors.Select(f => f.PropertyName).Distinct(), Is.EquivalentTo(new[] { "body", "attachmentIds", "clientMessageId" }));
        Assert.That((await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, new string('x', 4000), null, null))).Body,
            Has.Length.EqualTo(4000), "exactly 4000 characters is allowed");
    }

    [Test]
    public async Task Sending_the_same_client_message_id_again_returns_the_first_message_and_stores_and_sends_nothing()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var first = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "once", null, "c-1"));
        var again = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "once", null, "c-1"));

        Assert.That(again.Id, Is.EqualTo(first.Id));
        Assert.That(again.ClientMessageId, Is.EqualTo("c-1"));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.EqualTo(1));
        await bobTab.NextAsync<Message>("MessageReceived");
        await bobTab.AssertNoEventAsync("MessageReceived");
    }

    [Test]
    public async Task The_same_client_message_id_raced_from_two_connections_ends_as_one_message_and_one_event_per_connection()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        for (var round = 0; round < 5; round++)
        {
            var payload = new { toUserId = bob.User.Id, body = $"race {round}", clientMessageId = $"race-{round}" };
            var results = await Task.WhenAll(
                aliceTab1.InvokeAsync<Message>("SendDirectMessage", payload),
                aliceTab2.InvokeAsync<Message>("SendDirectMessage", payload));

            Assert.That(results[1].Id, Is.EqualTo(results[0].Id), $"round {round}");
            Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages WHERE client_message_id = @Id", new { Id = $"race-{round}" }),
                Is.EqualTo(1));
            foreach (var tab in new[] { aliceTab1, aliceTab2, bobTab })
                Assert.That((await tab.NextAsync<Message>("MessageReceived")).Id, Is.EqualTo(results[0].Id));
        }
        foreach (var tab in new[] { aliceTab1, aliceTab2, bobTab })
            await tab.AssertNoEventAsync("MessageReceived", settleMilliseconds: tab == aliceTab1 ? 300 : 0);
    }

    [Test]
    public async Task Past_the_send_rate_the_socket_and_rest_answer_429()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        for (var i = 0; i < 20; i++)
            await aliceTab.InvokeAsync("SendDirectMessage", new { toUserId = bob.User.Id, body = $"burst {i}" });

        var e = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("SendDirectMessage", new { toUserId = bob.User.Id, body = "one too many" }));
        var response = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = "and another" });

        Assert.That(e!.Message, Does.StartWith("429 Too Many Requests: "));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(response.Headers.RetryAfter, Is.Not.Null);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.EqualTo(20));
    }

    [Test]
    public async Task Client_message_ids_differing_only_in_case_are_different_messages()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");

        var first = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "one", null, "aB3x"));
        var second = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "two", null, "Ab3x"));

        Assert.That(second.Id, Is.Not.EqualTo(first.Id));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_client_message_id_reused_for_another_body_or_conversation_is_a_conflict()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, carol.User.Id));
        await SendAsync(new RespondToFriendRequest.Command(carol.User.Id, request.Id, true));
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "first", null, "c-1"));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var otherBody = await CreateClient(alice.AccessToken).PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = "second", clientMessageId = "c-1" });
        var otherConversation = Assert.ThrowsAsync<HubException>(() =>
            aliceTab.InvokeAsync<Message>("SendDirectMessage", new { toUserId = carol.User.Id, body = "first", clientMessageId = "c-1" }));

        await ReadProblemAsync(otherBody, HttpStatusCode.Conflict);
        Assert.That(otherConversation!.Message, Does.StartWith("409 Conflict: "));
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.EqualTo(1));
        await aliceTab.AssertNoEventAsync("MessageReceived");
    }

    [Test]
    public async Task An_unfriending_that_commits_while_a_send_waits_stops_the_message()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");

        // An unfriending in flight: the friendship row is gone in a transaction not yet committed.
        await using var unfriend = new MySqlConnection(ConnectionString);
        await unfriend.OpenAsync();
        await using var transaction = await unfriend.BeginTransactionAsync();
        await unfriend.ExecuteAsync("DELETE FROM friend_requests WHERE status = 'accepted'", transaction: transaction);
        var send = SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "too late", null, null));
        await Task.Delay(300);
        Assert.That(send.IsCompleted, Is.False, "the send waits for the unfriending's lock");
        await transaction.CommitAsync();

        Assert.ThrowsAsync<ForbiddenException>(() => send);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages"), Is.Zero);
    }

    [Test]
    public async Task A_body_is_measured_in_code_points_so_4000_emoji_fit_and_4001_do_not()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var emoji = string.Concat(Enumerable.Repeat("😀", 4000));

        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, emoji, null, null));
        var tooLong = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, emoji + "😀", null, null)));
        var edit = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new EditMessage.Command(alice.User.Id, sent.Id, emoji + "😀")));

        Assert.That(sent.Body, Is.EqualTo(emoji));
        Assert.That(tooLong!.Errors.Select(e => e.PropertyName), Is.EqualTo(new[] { "body" }));
        Assert.That(edit!.Errors.Select(e => e.PropertyName), Is.EqualTo(new[] { "body" }));
        Assert.That((await SendAsync(new EditMessage.Command(alice.User.Id, sent.Id, emoji))).Body, Is.EqualTo(emoji));
    }
}
