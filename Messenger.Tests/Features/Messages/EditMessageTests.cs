using Messenger.Infrastructure.RateLimits;
using System.Net.Http.Json;
using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class EditMessageTests : TestBase
{
    [Test]
    public async Task The_author_edits_and_both_users_hear_it()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "helo", null, null));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var edited = await aliceTab.InvokeAsync<Message>("EditMessage", new { messageId = sent.Id, body = " hello " });

        Assert.That(edited.Body, Is.EqualTo("hello"));
        Assert.That(edited.EditedAt, Is.Not.Null);
        Assert.That(edited.CreatedAt, Is.EqualTo(sent.CreatedAt));
        foreach (var tab in new[] { aliceTab, bobTab })
            Assert.That((await tab.NextAsync<Message>("MessageEdited")).Body, Is.EqualTo("hello"));
    }

    [Test]
    public async Task The_rest_twin_answers_200_with_the_message()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "helo", null, null));

        var response = await CreateClient(alice.AccessToken).PatchAsJsonAsync($"/messages/{sent.Id}", new { body = "hello" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await response.Content.ReadFromJsonAsync<Message>())!.Body, Is.EqualTo("hello"));
    }

    [Test]
    public async Task Only_the_author_edits_strangers_do_not_see_it_and_tombstones_stay()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "original", null, null));

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new EditMessage.Command(bob.User.Id, sent.Id, "hijack")));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new EditMessage.Command(carol.User.Id, sent.Id, "hijack")));
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new EditMessage.Command(alice.User.Id, sent.Id + 1000, "nothing")));
        await SendAsync(new DeleteMessage.Command(alice.User.Id, sent.Id));
        Assert.ThrowsAsync<ConflictException>(() => SendAsync(new EditMessage.Command(alice.User.Id, sent.Id, "revive")));
        Assert.That(await QuerySingleAsync<string>("SELECT body FROM messages WHERE id = @Id", new { sent.Id }), Is.EqualTo(""));
    }

    [Test]
    public async Task An_empty_edit_is_refused_naming_body()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "text", null, null));
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("EditMessage", new { messageId = sent.Id, body = " " }));

        Assert.That(e!.Message, Does.StartWith("400 Bad Request: body: must not be empty"));
    }

    [Test]
    public async Task Past_the_edits_rate_limit_editing_is_429_with_retry_after()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "draft", null, null));
        using var client = CreateClient(alice.AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Edits>(() =>
            client.PatchAsJsonAsync($"/messages/{sent.Id}", new { body = "again" }));
    }
}
