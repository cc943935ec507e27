using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.SearchMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Infrastructure.Errors;
using Microsoft.Extensions.Logging.Abstractions;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

/// <summary>
/// The word index search reads below its recent scan (message_terms): what send, edit, delete
/// and the backfill write, and the index's own paths. Cases that search put the message below
/// the scan (SearchScanRows filler messages after it), so the index alone can find it.
/// </summary>
public sealed class MessageTermsTests : TestBase
{
    private static Task<IReadOnlyList<string>> TermsOfAsync(long messageId) =>
        QueryAsync<string>("SELECT term FROM message_terms WHERE message_id = @MessageId ORDER BY term", new { MessageId = messageId });

    private static async Task<long[]> SearchAsync(long userId, string text, int limit = 50) =>
        (await SendAsync(new SearchMessages.Query(userId, text, null, null, null, limit))).Items.Select(m => m.Id).ToArray();

    private static Task BuryAsync(long from, long to) =>
        SeedDirectMessagesAsync(from, to, SearchScanRows + 10, i => $"nothing to see {i}");

    [Test]
    public async Task A_sent_message_has_a_posting_for_each_indexed_word_folded_once_each()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var room = await CreateRoomAsync(alice, "general");

        var direct = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "Café, CAFÉ and the ok tea-time", null, null));
        var inRoom = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "Straße straße", null, null));
        var wordless = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "ok, ja :)", null, null));

        Assert.That(await TermsOfAsync(direct.Id), Is.EqualTo(new[] { "and", "cafe", "tea", "time" }), "the and ok are a stop word and short");
        Assert.That(await TermsOfAsync(inRoom.Id), Is.EqualTo(new[] { "strasse" }));
        Assert.That(await TermsOfAsync(wordless.Id), Is.Empty, "stored all the same");
        Assert.That(await QuerySingleAsync<long>(
            "SELECT COUNT(*) FROM message_terms t JOIN messages m ON m.id = t.message_id AND m.conversation_id = t.conversation_id"),
            Is.EqualTo(5), "every posting names its message's conversation");
    }

    [Test]
    public async Task A_refused_send_on_a_connection_that_just_stored_a_message_writes_no_posting()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var mine = await CreateRoomAsync(bob, "Mine");
        var theirs = await CreateRoomAsync(alice, "Theirs");
        // The pooled connection that stored this message still holds its id as LAST_INSERT_ID().
        var stored = await SendAsync(new SendRoomMessage.Command(bob.User.Id, mine.Id, "marmalade toast", null, null));

        Assert.ThrowsAsync<ForbiddenException>(() => SendAsync(new SendRoomMessage.Command(bob.User.Id, theirs.Id, "sneaky marmalade", null, null)));

        Assert.That(await QueryAsync<string>("SELECT term FROM message_terms ORDER BY term"), Is.EqualTo(new[] { "marmalade", "toast" }));
        Assert.That(await TermsOfAsync(stored.Id), Is.EqualTo(new[] { "marmalade", "toast" }));
    }

    [Test]
    public async Task An_edit_replaces_the_words_search_finds()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "marmalade on toast", null, null));
        await BuryAsync(bob.User.Id, alice.User.Id);

        await SendAsync(new EditMessage.Command(alice.User.Id, sent.Id, "porridge on toast"));

        Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.Empty);
        Assert.That(await SearchAsync(bob.User.Id, "porridge"), Is.EqualTo(new[] { sent.Id }));
        Assert.That(await SearchAsync(bob.User.Id, "toast"), Is.EqualTo(new[] { sent.Id }));
        Assert.That(await TermsOfAsync(sent.Id), Is.EqualTo(new[] { "porridge", "toast" }));
    }

    [Test]
    public async Task A_deleted_message_leaves_no_posting()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "marmalade on toast", null, null));
        await BuryAsync(bob.User.Id, alice.User.Id);

        await SendAsync(new DeleteMessage.Command(alice.User.Id, sent.Id));

        Assert.That(await TermsOfAsync(sent.Id), Is.Empty);
        Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.Empty);
    }

    [Test]
    public async Task The_backfill_indexes_messages_stored_before_the_index_then_ends()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "marmalade on toast", null, null));
        var deleted = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "deleted marmalade", null, null));
        await SendAsync(new DeleteMessage.Command(alice.User.Id, deleted.Id));
        await BuryAsync(bob.User.Id, alice.User.Id);
        // As migration 0014 found them: no postings, and the mark above every message.
        await ExecuteAsync("DELETE FROM message_terms");
        await ExecuteAsync("INSERT INTO message_terms_backfill (id, below) SELECT 1, MAX(id) + 1 FROM messages");
        Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.Empty, "not found before the backfill");

        MessageTerms.Backfill(ConnectionString, NullLogger.Instance);

        Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.EqualTo(new[] { sent.Id }));
        Assert.That(await TermsOfAsync(sent.Id), Is.EqualTo(new[] { "marmalade", "toast" }));
        Assert.That(await TermsOfAsync(deleted.Id), Is.Empty);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM message_terms_backfill"), Is.Zero, "done: the mark is gone");
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(DISTINCT message_id) FROM message_terms"),
            Is.EqualTo(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages WHERE deleted_at IS NULL")));
    }

    [Test]
    public void A_word_that_starts_another_has_a_subset_of_its_bits()
    {
        foreach (var (word, longer) in new[] { ("caf", "cafe"), ("cafe", "cafeteria"), ("marm", "marmalade"), ("abc", "abc") })
            Assert.That(MessageTerms.Bits(word) & ~MessageTerms.Bits(longer), Is.Zero, $"{word} in {longer}");
        Assert.That(ulong.PopCount(MessageTerms.Bits("marmalade")), Is.InRange(1, 3));
    }

    [Test]
    public async Task A_message_whose_signature_lets_a_word_through_is_still_checked_for_it()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        const string other = "marmalade toast butter bread honey";
        var signature = MessageTerms.Of(other).Signature;
        // A word the message lacks whose bits its signature holds all the same: the index lets the
        // message through, and only reading it tells.
        var lookalike = Enumerable.Range(0, 1_000_000)
            .Select(i => new string(Enumerable.Range(0, 5).Select(d => (char)('a' + i / (int)Math.Pow(26, d) % 26)).ToArray()))
            .First(w => (MessageTerms.Bits(w) & ~signature) == 0 && !other.Contains(w[..3]));
        var wanted = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, $"marmalade {lookalike}", null, null));
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, other, null, null));
        await BuryAsync(bob.User.Id, alice.User.Id);

        Assert.That(await SearchAsync(bob.User.Id, $"marmalade {lookalike}"), Is.EqualTo(new[] { wanted.Id }));
        Assert.That(await SearchAsync(bob.User.Id, $"marmalade {lookalike}", limit: 1), Is.EqualTo(new[] { wanted.Id }));
    }

    [Test]
    public async Task A_short_prefix_of_many_words_finds_them_all_newest_first()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        // More words starting with "zeb" than the index reads one by one: one range, sorted.
        var ids = await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, 30, i => $"zeb{(char)('a' + i % 26)}{i} here");
        await BuryAsync(bob.User.Id, alice.User.Id);

        Assert.That(await SearchAsync(bob.User.Id, "zeb"), Is.EqualTo(ids.Reverse().ToArray()));
        Assert.That(await SearchAsync(bob.User.Id, "zeb", limit: 5), Is.EqualTo(ids.Reverse().Take(5).ToArray()));
        Assert.That(await SearchAsync(bob.User.Id, "zeb here", limit: 5), Is.EqualTo(ids.Reverse().Take(5).ToArray()));
        Assert.That(await SearchAsync(bob.User.Id, "zebc28"), Is.EqualTo(new[] { ids[27] }), "one word of them (the 28th)");
    }
}
