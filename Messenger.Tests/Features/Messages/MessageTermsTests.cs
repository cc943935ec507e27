using Dapper;
using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.SearchMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using MySqlConnector;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

/// <summary>
/// The word index (message_terms and message_words), written behind the send by
/// MessageTerms.IndexAsync (the tests run it where MessageIndexer would), and the index's own
/// paths. Cases that search make the scope larger than SearchScanRows (filler messages), so only
/// the index, or the read of what is not indexed yet, can find a message.
/// </summary>
public sealed class MessageTermsTests : TestBase
{
    private static Task<IReadOnlyList<string>> TermsOfAsync(long messageId) =>
        QueryAsync<string>("SELECT term FROM message_terms WHERE message_id = @MessageId ORDER BY term", new { MessageId = messageId });

    private static Task<bool> FlaggedAsync(long messageId) =>
        QuerySingleAsync<bool>("SELECT unindexed IS NOT NULL FROM messages WHERE id = @MessageId", new { MessageId = messageId });

    private static async Task<long[]> SearchAsync(long userId, string text, int limit = 50) =>
        (await SendAsync(new SearchMessages.Query(userId, text, null, null, null, limit))).Items.Select(m => m.Id).ToArray();

    private static Task<Message> SendDirectAsync(long from, long to, string body) =>
        SendAsync(new SendDirectMessage.Command(from, to, body, null, null));

    private static Task BuryAsync(long from, long to) =>
        SeedDirectMessagesAsync(from, to, SearchScanRows + 10, i => $"nothing to see {i}");

    [Test]
    public async Task Indexing_writes_a_posting_for_each_indexed_word_folded_once_each_and_clears_the_flag()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var room = await CreateRoomAsync(alice, "general");
        var direct = await SendDirectAsync(alice.User.Id, bob.User.Id, "Café, CAFÉ and the ok tea-time");
        var inRoom = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "Straße straße", null, null));
        var wordless = await SendDirectAsync(alice.User.Id, bob.User.Id, "ok, ja :)");
        Assert.That(await FlaggedAsync(direct.Id), Is.True, "sending writes no posting");
        Assert.That(await CountAsync("message_terms"), Is.Zero);

        await IndexMessagesAsync();

        Assert.That(await TermsOfAsync(direct.Id), Is.EqualTo(new[] { "and", "cafe", "tea", "time" }), "the and ok are a stop word and short");
        Assert.That(await TermsOfAsync(inRoom.Id), Is.EqualTo(new[] { "strasse" }));
        Assert.That(await TermsOfAsync(wordless.Id), Is.Empty);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM messages WHERE unindexed IS NOT NULL"), Is.Zero);
        Assert.That(await QuerySingleAsync<long>(
            "SELECT COUNT(*) FROM message_terms t JOIN messages m ON m.id = t.message_id AND m.conversation_id = t.conversation_id"),
            Is.EqualTo(5), "every posting names its message's conversation");
        Assert.That(await QueryAsync<(string, long)>("SELECT term, messages FROM message_words ORDER BY term"),
            Is.EqualTo(new[] { ("and", 1L), ("cafe", 1L), ("strasse", 1L), ("tea", 1L), ("time", 1L) }), "the dictionary counts messages, not postings");

        await SendDirectAsync(bob.User.Id, alice.User.Id, "cafe again");
        await IndexMessagesAsync();
        Assert.That(await QuerySingleAsync<long>("SELECT messages FROM message_words WHERE term = 'cafe'"), Is.EqualTo(2), "a later batch adds to it");
    }

    [Test]
    public async Task A_scope_over_the_scan_rows_is_answered_by_the_index_and_a_smaller_one_by_reading_its_messages()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (carol, dave) = await FriendsAsync("carol", "dave");
        var large = await SendDirectAsync(alice.User.Id, bob.User.Id, "marmalade on toast");
        await BuryAsync(bob.User.Id, alice.User.Id);
        var small = await SendDirectAsync(carol.User.Id, dave.User.Id, "marmalade on toast");
        await IndexMessagesAsync();
        // Postings lost (as they would be to a bug): only a search that reads the index misses the message.
        await ExecuteAsync("DELETE FROM message_terms WHERE message_id IN @Ids", new { Ids = new[] { large.Id, small.Id } });

        Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.Empty, $"{SearchScanRows + 11} messages: the index");
        Assert.That(await SearchAsync(dave.User.Id, "marmalade"), Is.EqualTo(new[] { small.Id }), "one message: read whole");
    }

    [Test]
    public async Task A_message_not_indexed_yet_is_found_below_the_scan_beside_indexed_ones()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var indexed = await SendDirectAsync(alice.User.Id, bob.User.Id, "marmalade on toast");
        await IndexMessagesAsync();
        var flagged = await SendDirectAsync(alice.User.Id, bob.User.Id, "more marmalade");
        await BuryAsync(bob.User.Id, alice.User.Id);

        Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.EqualTo(new[] { flagged.Id, indexed.Id }));
        Assert.That(await SearchAsync(bob.User.Id, "marmalade", limit: 1), Is.EqualTo(new[] { flagged.Id }));
        Assert.That(await TermsOfAsync(flagged.Id), Is.Empty, "found without its postings");
    }

    [Test]
    public async Task An_edit_replaces_the_words_search_finds_before_and_after_it_is_indexed()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendDirectAsync(alice.User.Id, bob.User.Id, "marmalade on toast");
        await BuryAsync(bob.User.Id, alice.User.Id);
        await IndexMessagesAsync();

        await SendAsync(new EditMessage.Command(alice.User.Id, sent.Id, "porridge on toast"));

        Assert.That(await TermsOfAsync(sent.Id), Is.Empty, "the old body's postings went with the edit");
        foreach (var indexed in new[] { false, true })
        {
            if (indexed)
                await IndexMessagesAsync();
            Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.Empty, $"indexed {indexed}");
            Assert.That(await SearchAsync(bob.User.Id, "porridge"), Is.EqualTo(new[] { sent.Id }), $"indexed {indexed}");
        }
        Assert.That(await TermsOfAsync(sent.Id), Is.EqualTo(new[] { "porridge", "toast" }));
    }

    [Test]
    public async Task A_deleted_message_leaves_no_posting_and_no_flag_indexed_or_not()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var indexed = await SendDirectAsync(alice.User.Id, bob.User.Id, "marmalade on toast");
        await IndexMessagesAsync();
        var flagged = await SendDirectAsync(alice.User.Id, bob.User.Id, "more marmalade");
        await BuryAsync(bob.User.Id, alice.User.Id);

        await SendAsync(new DeleteMessage.Command(alice.User.Id, indexed.Id));
        await SendAsync(new DeleteMessage.Command(alice.User.Id, flagged.Id));

        Assert.That(await TermsOfAsync(indexed.Id), Is.Empty);
        Assert.That(await FlaggedAsync(flagged.Id), Is.False);
        Assert.That(await SearchAsync(bob.User.Id, "marmalade"), Is.Empty);
    }

    [Test]
    public async Task Messages_stored_before_the_index_are_indexed_in_batches()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        // Straight into the table, as messages from before migration 0014 were: flagged by default.
        var ids = await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, MessageTerms.Batch + 20, i => $"marmalade {i}");
        await SendAsync(new DeleteMessage.Command(alice.User.Id, ids[0]));
        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();

        Assert.That(await MessageTerms.IndexAsync(db, CancellationToken.None), Is.EqualTo(MessageTerms.Batch));
        Assert.That(await MessageTerms.IndexAsync(db, CancellationToken.None), Is.EqualTo(19), "the rest, less the deleted one");
        Assert.That(await MessageTerms.IndexAsync(db, CancellationToken.None), Is.Zero);

        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(DISTINCT message_id) FROM message_terms WHERE term = 'marmalade'"),
            Is.EqualTo(MessageTerms.Batch + 19));
        Assert.That((await SearchAsync(bob.User.Id, "marmalade", limit: 100)).Length, Is.EqualTo(100));
    }

    [Test]
    public async Task Two_indexers_at_once_share_the_flagged_messages_and_count_every_word_once_a_message()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        // Every message shares words with every other, so both batches write the same dictionary rows.
        await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, 2 * MessageTerms.Batch, i => $"marmalade toast word{(char)('a' + i % 7)}");
        await using var first = new MySqlConnection(ConnectionString);
        await using var second = new MySqlConnection(ConnectionString);
        await Task.WhenAll(first.OpenAsync(), second.OpenAsync());

        var taken = await Task.WhenAll(MessageTerms.IndexAsync(first, CancellationToken.None), MessageTerms.IndexAsync(second, CancellationToken.None));

        Assert.That(taken.Sum(), Is.EqualTo(2 * MessageTerms.Batch), "neither batch failed, and no message went to both");
        Assert.That(await MessageTerms.IndexAsync(first, CancellationToken.None), Is.Zero);
        Assert.That(await QueryAsync<(string, long)>("SELECT term, messages FROM message_words WHERE term IN ('marmalade', 'toast', 'worda') ORDER BY term"),
            Is.EqualTo(new[] { ("marmalade", 2L * MessageTerms.Batch), ("toast", 2L * MessageTerms.Batch), ("worda", 2L * MessageTerms.Batch / 7) }), "bodies 1 to 2,000: every seventh holds worda");
        Assert.That(await CountAsync("message_terms"), Is.EqualTo(3 * 2 * MessageTerms.Batch));
    }

    [Test]
    public async Task Indexing_passes_over_a_message_an_edit_holds_and_a_send_never_waits_for_it()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var held = await SendDirectAsync(alice.User.Id, bob.User.Id, "marmalade on toast");
        var free = await SendDirectAsync(alice.User.Id, bob.User.Id, "porridge");
        await using var editor = new MySqlConnection(ConnectionString);
        await editor.OpenAsync();
        await using var edit = await editor.BeginTransactionAsync();
        await editor.ExecuteAsync("SELECT id FROM messages WHERE id = @Id FOR UPDATE", new { held.Id }, edit);
        await using var indexer = new MySqlConnection(ConnectionString);
        await indexer.OpenAsync();
        // An indexing batch left open, as IndexAsync reads: read committed, so it locks no gaps.
        await using var batch = await indexer.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        var taken = await indexer.QueryAsync<long>(
            "SELECT id FROM messages FORCE INDEX (ix_messages_unindexed) WHERE unindexed = 1 LIMIT 1000 FOR UPDATE SKIP LOCKED", transaction: batch);

        Assert.That(taken, Is.EqualTo(new[] { free.Id }), "the held message is left for a later batch");
        var send = SendDirectAsync(bob.User.Id, alice.User.Id, "sent meanwhile");
        Assert.That(await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(send), "the send did not wait for the batch");
        await batch.RollbackAsync();
        await edit.RollbackAsync();

        await IndexMessagesAsync();
        Assert.That(await TermsOfAsync(held.Id), Is.EqualTo(new[] { "marmalade", "toast" }));
    }

    [Test]
    public void A_word_that_starts_another_has_a_subset_of_its_bits()
    {
        foreach (var (word, longer) in new[] { ("caf", "cafe"), ("cafe", "cafeteria"), ("marm", "marmalade"), ("abc", "abc") })
            Assert.That(MessageTerms.Bits(word) & ~MessageTerms.Bits(longer), Is.EqualTo(UInt128.Zero), $"{word} in {longer}");
        Assert.That(UInt128.PopCount(MessageTerms.Bits("marmalade")), Is.InRange(UInt128.One, (UInt128)6));
        Assert.That(UInt128.PopCount(MessageTerms.Bits("marmalade")), Is.GreaterThan(UInt128.PopCount(MessageTerms.Bits("mar"))));
    }

    [Test]
    public async Task A_message_whose_signature_lets_a_word_through_is_still_checked_for_it()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        const string other = "marmalade toast butter bread honey";
        var signature = MessageTerms.Of(other).Signature;
        // A word the message lacks whose bits its signature holds all the same: the signature lets
        // the message through, and only the index's check of the word tells.
        var lookalike = Enumerable.Range(0, 10_000_000)
            .Select(i => new string(Enumerable.Range(0, 5).Select(d => (char)('a' + i / (int)Math.Pow(26, d) % 26)).ToArray()))
            .First(w => (MessageTerms.Bits(w) & ~signature) == UInt128.Zero && !other.Contains(w[..3]));
        var wanted = await SendDirectAsync(alice.User.Id, bob.User.Id, $"marmalade {lookalike}");
        await SendDirectAsync(alice.User.Id, bob.User.Id, other);
        // As many messages with each word, so the longer, marmalade, drives and the lookalike is checked.
        await SendDirectAsync(alice.User.Id, bob.User.Id, $"{lookalike} alone");
        await BuryAsync(bob.User.Id, alice.User.Id);
        await IndexMessagesAsync();

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
        await IndexMessagesAsync();

        Assert.That(await SearchAsync(bob.User.Id, "zeb"), Is.EqualTo(ids.Reverse().ToArray()));
        Assert.That(await SearchAsync(bob.User.Id, "zeb", limit: 5), Is.EqualTo(ids.Reverse().Take(5).ToArray()));
        Assert.That(await SearchAsync(bob.User.Id, "zeb here", limit: 5), Is.EqualTo(ids.Reverse().Take(5).ToArray()));
        Assert.That(await SearchAsync(bob.User.Id, "zebc28"), Is.EqualTo(new[] { ids[27] }), "one word of them (the 28th)");
    }
}
