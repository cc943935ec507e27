using FluentValidation;
using Messenger.Features.Messages;
using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class ListDirectMessagesTests : TestBase
{
    [Test]
    public async Task Paging_back_through_a_thousand_messages_returns_each_once_in_order()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var ids = await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, 1000);

        var seen = new List<long>();
        long? before = null;
        MessagePage page;
        do
        {
            page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, before, null, null, 100));
            Assert.That(page.Items.Select(m => m.Id), Is.Ordered.Ascending);
            seen.InsertRange(0, page.Items.Select(m => m.Id));
            before = page.Items.FirstOrDefault()?.Id;
        } while (page.HasMore);

        Assert.That(seen, Is.EqualTo(ids));
    }

    [Test]
    public async Task Paging_forward_after_an_id_returns_each_newer_message_once_in_order()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var ids = await SeedDirectMessagesAsync(bob.User.Id, alice.User.Id, 1000);

        var seen = new List<long>();
        long after = ids[0];
        MessagePage page;
        do
        {
            page = await SendAsync(new ListDirectMessages.Query(alice.User.Id, bob.User.Id, null, after, null, 73));
            Assert.That(page.Items.Select(m => m.Id), Is.Ordered.Ascending);
            seen.AddRange(page.Items.Select(m => m.Id));
            after = page.Items.LastOrDefault()?.Id ?? after;
        } while (page.HasMore);

        Assert.That(seen, Is.EqualTo(ids.Skip(1)));
    }

    [Test]
    public async Task The_latest_page_says_whether_older_messages_exist()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var ids = await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, 5);

        var all = await SendAsync(new ListDirectMessages.Query(alice.User.Id, bob.User.Id, null, null, null, 5));
        var latest = await SendAsync(new ListDirectMessages.Query(alice.User.Id, bob.User.Id, null, null, null, 3));

        Assert.That(all.Items.Select(m => m.Id), Is.EqualTo(ids));
        Assert.That(all.HasMore, Is.False);
        Assert.That(latest.Items.Select(m => m.Id), Is.EqualTo(ids.Skip(2)));
        Assert.That(latest.HasMore, Is.True);
    }

    [Test]
    public async Task Each_user_sees_only_their_own_conversation()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "for bob", null, null));

        var carolsView = await SendAsync(new ListDirectMessages.Query(carol.User.Id, alice.User.Id, null, null, null, 50));

        Assert.That(carolsView.Items, Is.Empty);
        Assert.That(carolsView.HasMore, Is.False);
        Assert.ThrowsAsync<NotFoundException>(() => SendAsync(new ListDirectMessages.Query(alice.User.Id, 999_999, null, null, null, 50)));
    }

    [Test]
    public async Task Before_and_after_together_or_a_bad_limit_are_refused()
    {
        var alice = await RegisterAsync("alice");

        var both = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new ListDirectMessages.Query(alice.User.Id, 2, 10, 5, null, 50)));
        Assert.That(both!.Errors.Single().PropertyName, Is.EqualTo("after"));
        using var client = CreateClient(alice.AccessToken);
        foreach (var limit in new[] { "0", "101", "abc" })
        {
            var response = await client.GetAsync($"/friends/{alice.User.Id}/messages?limit={limit}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), limit);
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("\"limit\""), limit);
        }
    }
}
