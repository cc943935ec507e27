using Dapper;
using Messenger.Features.Messages.SearchMessages;
using Messenger.Features.Messages.SendDirectMessage;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

/// <summary>
/// Search reads a scope of at most Search:ScanRows messages (SearchScanRows here) whole, and asks
/// the word index for a larger one (reading the messages not indexed yet itself). Each case is
/// built to go one way or the other, and holds the answer to what search promises, worked out here
/// over every message the caller can read (Reference).
/// </summary>
public sealed class SearchMessagesScanTests : TestBase
{
    private static async Task<(long[] Ids, bool HasMore)> SearchAsync(long userId, string text, long? before = null, int limit = 50)
    {
        var page = await SendAsync(new SearchMessages.Query(userId, text, null, null, before, limit));
        return (page.Items.Select(m => m.Id).ToArray(), page.HasMore);
    }

    /// <summary>
    /// The page by definition: every message the caller can read below before, newest first, of
    /// which each query word starts an indexed word. No index and no scan: all of them, read here.
    /// </summary>
    private static async Task<(long[] Ids, bool HasMore)> ReferenceAsync(long userId, string text, long? before = null, int limit = 50)
    {
        var words = SearchMessages.Words.Of(text).Select(SearchMessages.Words.Fold).ToList();
        var rows = await QueryAsync<(long Id, string Body)>("""
            SELECT m.id, m.body FROM messages m
            WHERE m.deleted_at IS NULL AND m.id < @Before
              AND m.conversation_id IN (
                SELECT c.id FROM room_participants p JOIN conversations c ON c.room_id = p.room_id WHERE p.user_id = @UserId
                UNION ALL SELECT c.id FROM conversations c WHERE c.user_low = @UserId
                UNION ALL SELECT c.id FROM conversations c WHERE c.user_high = @UserId)
            ORDER BY m.id DESC
            """, new { UserId = userId, Before = before ?? long.MaxValue });
        var ids = rows.Where(r => SearchMessages.Words.Indexed(r.Body) is var indexed && words.All(w => SearchMessages.Words.Finds(indexed, w)))
            .Select(r => r.Id).Take(limit + 1).ToArray();
        return (ids.Take(limit).ToArray(), ids.Length > limit);
    }

    /// <summary>
    /// Search answers as the reference, at this limit and at the smallest ones (where a read that
    /// stops at the page stops soonest), before the messages are indexed (search reads them
    /// itself then) and after.
    /// </summary>
    private static async Task AssertAsReferenceAsync(long userId, string text, long? before = null, int limit = 50)
    {
        foreach (var indexed in new[] { false, true })
        foreach (var pageSize in new[] { 1, 2, limit }.Distinct())
        {
            if (indexed)
                await IndexMessagesAsync();
            var (ids, hasMore) = await SearchAsync(userId, text, before, pageSize);
            var (expected, expectedMore) = await ReferenceAsync(userId, text, before, pageSize);
            Assert.That(ids, Is.EqualTo(expected), $"\"{text}\" before {before}, limit {pageSize}, indexed {indexed}: the reference page");
            Assert.That(hasMore, Is.EqualTo(expectedMore), $"\"{text}\" before {before}, limit {pageSize}, indexed {indexed}: hasMore as the reference says");
        }
    }

    private static async Task<long[]> SendEachAsync(long from, long to, params string[] bodies)
    {
        var ids = new List<long>();
        foreach (var body in bodies)
            ids.Add((await SendAsync(new SendDirectMessage.Command(from, to, body, null, null))).Id);
        return ids.ToArray();
    }

    /// <summary>Messages that match nothing searched here, straight into the table (more than sending allows in a test).</summary>
    private static Task<IReadOnlyList<long>> FillerAsync(long from, long to, int count) =>
        SeedDirectMessagesAsync(from, to, count, i => $"nothing to see {i}");

    [Test]
    public async Task A_frequent_word_fills_the_page_from_the_newest_messages()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var pizzas = await SendEachAsync(alice.User.Id, bob.User.Id, Enumerable.Range(1, 10).Select(i => $"pizza {i}").ToArray());

        var (ids, hasMore) = await SearchAsync(bob.User.Id, "pizza", limit: 3);

        Assert.That(ids, Is.EqualTo(pizzas.Reverse().Take(3)));
        Assert.That(hasMore, Is.True);
        await AssertAsReferenceAsync(bob.User.Id, "pizza", limit: 3);
    }

    [Test]
    public async Task A_rare_word_in_a_large_scope_is_found_by_the_index()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var marmalade = await SendEachAsync(alice.User.Id, bob.User.Id, "marmalade on toast");
        await FillerAsync(bob.User.Id, alice.User.Id, SearchScanRows + 10);

        Assert.That(await SearchAsync(alice.User.Id, "marmalade"), Is.EqualTo((marmalade, false)));
        await AssertAsReferenceAsync(alice.User.Id, "marmalade");
    }

    [Test]
    public async Task A_page_of_a_large_scope_takes_the_newest_matches_indexed_or_not()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var older = await SendEachAsync(alice.User.Id, bob.User.Id, "pizza a", "pizza b");
        await FillerAsync(bob.User.Id, alice.User.Id, SearchScanRows + 10);
        var newer = await SendEachAsync(alice.User.Id, bob.User.Id, "pizza c", "pizza d");
        await IndexMessagesAsync();
        var newest = await SendEachAsync(alice.User.Id, bob.User.Id, "pizza e");
        var newestFirst = older.Concat(newer).Concat(newest).Reverse().ToArray();

        Assert.That(await SearchAsync(bob.User.Id, "pizza", limit: 3), Is.EqualTo((newestFirst[..3], true)),
            "e not indexed yet, d and c from the index");
        await AssertAsReferenceAsync(bob.User.Id, "pizza", limit: 3);
        Assert.That(await SearchAsync(bob.User.Id, "pizza"), Is.EqualTo((newestFirst, false)));
    }

    [Test]
    public async Task Paging_with_before_never_loses_or_repeats_a_match()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var matches = new List<long>();
        for (var round = 0; round < 3; round++)
        {
            matches.AddRange(await SendEachAsync(alice.User.Id, bob.User.Id, $"pizza round {round}", $"more pizza {round}"));
            await FillerAsync(bob.User.Id, alice.User.Id, SearchScanRows - 1);
        }

        foreach (var limit in new[] { 1, 2, 3 })
        {
            var seen = new List<long>();
            long? before = null;
            while (true)
            {
                var (ids, hasMore) = await SearchAsync(bob.User.Id, "pizza", before, limit);
                Assert.That((ids, hasMore), Is.EqualTo(await ReferenceAsync(bob.User.Id, "pizza", before, limit)), $"before {before}, limit {limit}");
                seen.AddRange(ids);
                if (!hasMore)
                    break;
                before = ids[^1];
            }
            Assert.That(seen, Is.EqualTo(matches.AsEnumerable().Reverse()), $"pages of {limit}");
        }
    }

    [Test]
    public async Task Reading_a_small_scope_ignores_case_and_accents_as_the_index_does()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var cafe = await SendEachAsync(alice.User.Id, bob.User.Id, "Cafés CRÈME à Noël, naïve façon");
        var decomposed = await SendEachAsync(alice.User.Id, bob.User.Id, "cafe\u0301 combining");

        foreach (var query in new[] { "cafe", "CAFÉ", "creme", "noel", "NAIVE facon", "façon" })
            await AssertAsReferenceAsync(bob.User.Id, query);
        Assert.That((await SearchAsync(bob.User.Id, "cafes")).Ids, Is.EqualTo(cafe));
        Assert.That((await SearchAsync(bob.User.Id, "noel naive")).Ids, Is.EqualTo(cafe));
        Assert.That((await SearchAsync(bob.User.Id, "cafe")).Ids, Is.EqualTo(decomposed.Concat(cafe)), "a combining accent weighs nothing");
        Assert.That((await SearchAsync(bob.User.Id, "afe")).Ids, Is.Empty, "the middle of a word, accents or not");
    }

    [Test]
    public async Task Reading_a_small_scope_finds_a_letter_the_collation_weighs_as_two_as_the_index_does()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var strasse = await SendEachAsync(alice.User.Id, bob.User.Id, "Straße frei");
        var plain = await SendEachAsync(alice.User.Id, bob.User.Id, "strasse plain");
        var oeuvre = await SendEachAsync(alice.User.Id, bob.User.Id, "Œuvre complète", "ﬁnal cut");

        Assert.That((await SearchAsync(bob.User.Id, "strasse")).Ids, Is.EqualTo(plain.Concat(strasse)), "newest first");
        Assert.That((await SearchAsync(bob.User.Id, "straße")).Ids, Is.EqualTo(plain.Concat(strasse)), "newest first");
        Assert.That((await SearchAsync(bob.User.Id, "oeuvre")).Ids, Is.EqualTo(oeuvre[..1]));
        Assert.That((await SearchAsync(bob.User.Id, "final")).Ids, Is.EqualTo(oeuvre[1..]));
        foreach (var query in new[] { "strasse", "straße", "oeuvre", "final" })
            await AssertAsReferenceAsync(bob.User.Id, query);
    }

    [Test]
    public async Task Reading_a_small_scope_skips_what_the_index_does_not_hold_stop_words_short_and_overlong_words()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await SendEachAsync(alice.User.Id, bob.User.Id, "where were you, about then?", "ok go", "Thé dansant", new string('p', 90) + " x",
            "whenever_ready");

        foreach (var query in new[] { "whe", "abou", "ppp", "whenever", "whenever_r", "dansant", "were" })
            await AssertAsReferenceAsync(bob.User.Id, query);
        Assert.That((await SearchAsync(bob.User.Id, "whe")).Ids, Has.Length.EqualTo(1), "whenever_ready, not the stop words where and when");
        Assert.That((await SearchAsync(bob.User.Id, "abou")).Ids, Is.Empty, "about is a stop word: not in the index");
        Assert.That((await SearchAsync(bob.User.Id, "ppp")).Ids, Is.Empty, "a word over 84 characters is not in the index");
        Assert.That((await SearchAsync(bob.User.Id, "were")).Ids, Has.Length.EqualTo(1), "were is no stop word");
        Assert.That((await SearchAsync(bob.User.Id, "dansant")).Ids, Has.Length.EqualTo(1), "beside a stop word (thé, accent or not)");
    }

    [Test]
    public async Task Others_messages_among_mine_never_match_and_mine_are_found_past_them()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (carol, dave) = await FriendsAsync("carol", "dave");
        var mine = await SendEachAsync(alice.User.Id, bob.User.Id, "pizza for alice");
        await SeedDirectMessagesAsync(carol.User.Id, dave.User.Id, 3 * SearchScanRows, i => $"pizza between others {i}");
        var newer = await SendEachAsync(bob.User.Id, alice.User.Id, "pizza again");

        Assert.That(await SearchAsync(alice.User.Id, "pizza"), Is.EqualTo((newer.Concat(mine).ToArray(), false)));
        await AssertAsReferenceAsync(alice.User.Id, "pizza");
        await AssertAsReferenceAsync(alice.User.Id, "pizza", limit: 1);
    }

    [Test]
    public async Task A_word_common_in_my_messages_is_checked_on_what_the_rarer_words_find()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var wanted = await SendEachAsync(alice.User.Id, bob.User.Id, "marmalade and seed", "seeded marmalade");
        await SendEachAsync(alice.User.Id, bob.User.Id, "linseed marmalade", "marmalade, no s-e-e-d");
        await SeedDirectMessagesAsync(bob.User.Id, alice.User.Id, SearchScanRows + 10);

        Assert.That(await SearchAsync(alice.User.Id, "seed marmalade"), Is.EqualTo((wanted.Reverse().ToArray(), false)),
            "seed is in every recent message, so the index reads marmalade's postings and checks seed on each: not linseed");
        await AssertAsReferenceAsync(alice.User.Id, "seed marmalade");
        await AssertAsReferenceAsync(alice.User.Id, "marmalade seed");
    }

    [Test]
    public async Task What_search_folds_together_the_collation_weighs_alike()
    {
        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();
        const string weightsSql = """
            SELECT HEX(WEIGHT_STRING(CONVERT(@Letter USING utf8mb4) COLLATE utf8mb4_unicode_ci)),
                   HEX(WEIGHT_STRING(CONVERT(@Plain USING utf8mb4) COLLATE utf8mb4_unicode_ci))
            """;
        var disagree = new List<string>();
        foreach (var (plain, letters) in SearchMessages.Words.Plain)
            foreach (var letter in letters)
                if (await db.QuerySingleAsync<(string Letter, string Plain)>(weightsSql, new { Letter = letter.ToString(), Plain = plain }) is var w
                    && w.Letter != w.Plain)
                    disagree.Add($"{letter} (U+{(int)letter:X4}) is not {plain}");
        foreach (var (first, last) in SearchMessages.Words.Ignored)
            for (var mark = first; mark <= last; mark++)
                if (await db.QuerySingleAsync<(string Letter, string Plain)>(weightsSql, new { Letter = mark.ToString(), Plain = "" }) is var w
                    && w.Letter != "")
                    disagree.Add($"U+{(int)mark:X4} weighs something");

        Assert.That(disagree, Is.Empty);
        Assert.That(SearchMessages.Words.Fold("Cafés"), Is.EqualTo("cafes"));
        Assert.That(SearchMessages.Words.Fold("ŁÓDŹ"), Is.EqualTo("łodz"), "ł is a letter of its own to the collation");
    }
}
