using FluentValidation;
using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
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

    [Test]
    public async Task Since_a_version_returns_every_change_after_it_once_in_its_latest_state_in_version_order()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var first = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "one", null, null));
        var second = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "two", null, null));
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "three", null, null));
        var applied = (await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, 0, 50))).Version;

        await SendAsync(new EditMessage.Command(alice.User.Id, first.Id, "one, edited"));
        await SendAsync(new DeleteMessage.Command(bob.User.Id, second.Id));
        var fourth = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "four", null, null));
        await SendAsync(new EditMessage.Command(bob.User.Id, fourth.Id, "four, edited"));

        var changes = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, applied, 50));

        Assert.That(applied, Is.EqualTo(3));
        Assert.That(changes.Items.Select(m => m.Id), Is.EqualTo(new[] { first.Id, second.Id, fourth.Id }));
        Assert.That(changes.Items.Select(m => m.Version), Is.EqualTo(new long[] { 4, 5, 7 }));
        Assert.That(changes.Items.Select(m => m.Body), Is.EqualTo(new[] { "one, edited", "", "four, edited" }));
        Assert.That(changes.Items[1].DeletedAt, Is.Not.Null);
        Assert.That(changes.HasMore, Is.False);
        Assert.That(changes.Version, Is.EqualTo(7));
        var nothing = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, 7, 50));
        Assert.That(nothing.Items, Is.Empty);
        Assert.That(nothing.Version, Is.EqualTo(7));
    }

    [Test]
    public async Task Since_pages_by_version_with_has_more()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var ids = await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, 25);

        var seen = new List<long>();
        long since = 0;
        MessagePage page;
        do
        {
            page = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, since, 10));
            seen.AddRange(page.Items.Select(m => m.Id));
            since = page.Items.Count > 0 ? page.Items[^1].Version : since;
        } while (page.HasMore);

        Assert.That(seen, Is.EqualTo(ids));
    }

    [Test]
    public async Task Since_with_before_or_after_or_below_zero_is_refused_naming_since()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        foreach (var query in new[] { "since=1&before=5", "since=1&after=5", "since=-1" })
        {
            var response = await client.GetAsync($"/friends/{alice.User.Id}/messages?{query}");
            var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.That(ErrorFields(problem), Is.EqualTo(new[] { "since" }), query);
        }
    }
}
