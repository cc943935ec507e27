using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Messenger.Features.Messages;
using MySqlConnector;

namespace Messenger.Bench;

/// <summary>
/// GET /messages/search for a user in 200 conversations (100 rooms, 100 direct) over N messages
/// (1,000,000 by default), seeded straight into the tables. Bodies are 3-20 words drawn from a
/// vocabulary of 100 common English words (stop words and short ones among them, as in real chat)
/// followed by 30,000 generated words, by a Zipf distribution (rank r has weight 1/r), so a few
/// words are in a large share of the messages and most are rare. Queries draw their words the
/// same way from the searchable ones (3+ letters, not stop words): what people write is what
/// they search for; distinctive words are drawn uniformly from the vocabulary instead (names and
/// topics, most of them rare), and "three words of one message" are what someone remembers of a
/// message. Cold: the first time each query runs after seeding (the server's buffer pool is shared
/// and stays up, so it is not emptied); warm: the same queries again.
/// </summary>
public static class SearchBench
{
    private const int Samples = 300;
    private const int Batch = 2000;
    private const int Rooms = 100;
    private const int Friends = 100;

    private static readonly string[] Common =
    [
        "the", "i", "you", "to", "a", "and", "it", "is", "that", "of", "in", "we", "for", "my", "me", "on", "so", "do", "just", "have",
        "not", "be", "this", "are", "with", "but", "what", "can", "was", "at", "if", "like", "get", "all", "will", "know", "yes", "no",
        "good", "think", "there", "your", "one", "out", "about", "now", "time", "see", "when", "how", "go", "they", "then", "here",
        "really", "going", "today", "back", "want", "tomorrow", "right", "thanks", "sure", "come", "need", "work", "meeting", "call",
        "tonight", "later", "great", "home", "people", "still", "maybe", "something", "morning", "week", "dinner", "weekend", "please",
        "sorry", "nice", "love", "night", "again", "pizza", "coffee", "train", "office", "project", "friday", "movie", "party", "phone",
        "email", "game", "ready", "soon", "problem",
    ];

    private static readonly HashSet<string> StopWords =
    [
        "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in", "is", "it", "la", "of",
        "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "who", "will", "with", "und", "www",
    ];

    public static async Task<int> RunAsync(string baseUrl, string connectionString, int messages)
    {
        var api = new Api(baseUrl);
        var tag = Random.Shared.Next(1_000_000);
        var me = await api.RegisterAsync($"search{tag}");
        var random = new Random(tag);
        var vocabulary = Vocabulary(random);
        var zipf = new Zipf(vocabulary.Length);

        var seeded = Stopwatch.StartNew();
        await using var db = new MySqlConnection(connectionString);
        await db.OpenAsync();
        async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await new MySqlCommand(sql, db) { CommandTimeout = 600 }.ExecuteScalarAsync());
        async Task RunSqlAsync(string sql) => await new MySqlCommand(sql, db) { CommandTimeout = 600 }.ExecuteNonQueryAsync();

        var conversations = await InboxSeed.SeedAsync(db, me.Id, $"search{tag}", Friends, Rooms);

        // Messages interleave across conversations in time, as a real inbox does: round-robin batches.
        var perConversation = messages / conversations.Count;
        var started = DateTime.UtcNow.AddDays(-30);
        var body = new StringBuilder();
        // How many messages hold each word, to tell what a query costs by how many it can match.
        var holding = new int[vocabulary.Length];
        var inMessage = new HashSet<int>();
        var kept = new List<int[]>();
        for (var done = 0; done < perConversation; done += Batch / conversations.Count)
        {
            var sql = new StringBuilder("INSERT INTO messages (conversation_id, room_id, sender_id, recipient_id, body, created_at, version, seq) VALUES ");
            var first = true;
            var upTo = Math.Min(done + Batch / conversations.Count, perConversation);
            for (var i = done; i < upTo; i++)
                foreach (var (id, other, room) in conversations)
                {
                    var (from, to) = random.Next(2) == 0 ? (me.Id, other) : (other, me.Id);
                    body.Clear();
                    inMessage.Clear();
                    var words = random.Next(3, 21);
                    for (var w = 0; w < words; w++)
                    {
                        var rank = zipf.Next(random);
                        body.Append(w == 0 ? "" : " ").Append(vocabulary[rank]);
                        if (inMessage.Add(rank))
                            holding[rank]++;
                    }
                    if (random.Next(500) == 0)
                        kept.Add(inMessage.ToArray());
                    var at = started.AddMilliseconds((long)i * 2500 + id).ToString("yyyy-MM-dd HH:mm:ss.fff");
                    sql.Append(first ? "" : ",").Append(
                        $"({id},{room?.ToString() ?? "NULL"},{from},{(room is null ? to.ToString() : "NULL")},'{body}','{at}',{i + 1},{i + 1})");
                    first = false;
                }
            await RunSqlAsync(sql.ToString());
        }
        foreach (var (id, _, _) in conversations)
            await RunSqlAsync($"UPDATE conversations SET version = {perConversation}, message_count = {perConversation} WHERE id = {id}");
        // The word index's postings, as the service's indexer writes them behind the sends (it
        // runs too, and the two share the work).
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true; // as the service sets Dapper up (DatabaseSetup)
        while (await MessageTerms.IndexAsync(db, CancellationToken.None) > 0)
        {
        }
        await RunSqlAsync("ANALYZE TABLE messages, message_terms, conversations, room_participants");
        Console.WriteLine($"seeded {await ScalarAsync("SELECT COUNT(*) FROM messages"):N0} messages in {conversations.Count} conversations " +
                          $"(vocabulary {vocabulary.Length:N0} words, Zipf s=1), user {me.Id} in all of them, in {seeded.Elapsed.TotalSeconds:0} s");

        bool Searchable(int rank) => vocabulary[rank].Length >= 3 && !StopWords.Contains(vocabulary[rank]);
        var searchable = Enumerable.Range(0, vocabulary.Length).Where(Searchable).ToArray();
        var asWritten = new Zipf(searchable.Length);
        string Word() => vocabulary[searchable[asWritten.Next(random)]];
        string Distinctive() => vocabulary[searchable[random.Next(searchable.Length)]];
        string? OfAMessage() => kept[random.Next(kept.Count)].Where(Searchable).ToArray() is { Length: >= 3 } ranks
            ? string.Join(' ', ranks.OrderBy(_ => random.Next()).Take(3).Select(r => vocabulary[r]))
            : null;
        // Distinct queries, so that the cold pass runs each for the first time.
        var used = new HashSet<string>();
        List<string> Queries(int count, Func<string?> next)
        {
            var queries = new List<string>();
            while (queries.Count < count)
                if (next() is { } q && used.Add(q))
                    queries.Add(q);
            return queries;
        }
        var warmUp = Queries(20, () => Word() + " " + Word());
        var sets = new[]
        {
            ("one word as written (Zipf)", Queries(Samples, Word)),
            ("one distinctive word (uniform)", Queries(Samples, Distinctive)),
            ("three words of one message", Queries(Samples, OfAMessage)),
            ("three words as written (Zipf)", Queries(Samples, () => string.Join(' ', Word(), Word(), Word()))),
        };

        // At most this many messages match a query: those holding its rarest word as a prefix of one of theirs.
        int MatchesAtMost(string query) => query.Split(' ')
            .Min(w => Enumerable.Range(0, vocabulary.Length).Where(r => vocabulary[r].StartsWith(w, StringComparison.Ordinal)).Sum(r => holding[r]));

        // The service's own warm-up (JIT, pools), on queries the measured ones never repeat.
        foreach (var q in warmUp)
            await SearchAsync(api, me, q);
        foreach (var pass in new[] { "cold", "warm" })
            foreach (var (label, queries) in sets)
            {
                var latencies = new List<(double Ms, int Matches)>();
                var full = 0;
                foreach (var q in queries)
                {
                    var begun = Stopwatch.GetTimestamp();
                    if (await SearchAsync(api, me, q))
                        full++;
                    latencies.Add((Stopwatch.GetElapsedTime(begun).TotalMilliseconds, MatchesAtMost(q)));
                }
                Console.WriteLine($"search, {label,-30} {pass}: {Stats.Summary(latencies.Select(l => l.Ms))}; " +
                                  $"{full} of {queries.Count} had more than a page (50)");
                foreach (var (bucket, low, high) in new[] { ("<1,000", 0, 1_000), ("1,000-10,000", 1_000, 10_000), (">10,000", 10_000, int.MaxValue) })
                    if (latencies.Where(l => l.Matches >= low && l.Matches < high).Select(l => l.Ms).ToList() is { Count: > 0 } part)
                        Console.WriteLine($"    matching at most {bucket,-12} messages: {Stats.Summary(part)}");
            }
        return 0;
    }

    private sealed record Page(List<Item> Items, bool HasMore);
    private sealed record Item(long Id);

    /// <summary>One search, first page (limit 50); true when it had more than one page of matches.</summary>
    private static async Task<bool> SearchAsync(Api api, Api.User me, string query)
    {
        var response = await api.GetAsync(me, $"/messages/search?query={Uri.EscapeDataString(query)}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Page>())!.HasMore;
    }

    /// <summary>The common words first, then 30,000 made-up ones of 2-4 syllables (4-12 letters), all distinct.</summary>
    private static string[] Vocabulary(Random random)
    {
        string[] syllables =
        [
            "ba", "be", "bi", "bo", "da", "de", "di", "do", "fa", "fe", "ka", "ke", "ki", "ko", "la", "le", "li", "lo", "ma", "me", "mi", "mo",
            "na", "ne", "ni", "no", "pa", "pe", "pi", "po", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "ta", "te", "ti", "to", "va", "ve",
            "vi", "vo", "ran", "ten", "ser", "lin", "mor", "tal", "ven", "dor", "kas", "pel", "rit", "son", "tur", "gan", "bel", "cor",
        ];
        var words = new List<string>(Common);
        var seen = new HashSet<string>(Common);
        while (words.Count < Common.Length + 30_000)
        {
            var word = string.Concat(Enumerable.Range(0, random.Next(2, 5)).Select(_ => syllables[random.Next(syllables.Length)]));
            if (seen.Add(word))
                words.Add(word);
        }
        return words.ToArray();
    }

    /// <summary>Ranks 0..n-1 with weight 1/(rank+1), by a binary search of the cumulative weights.</summary>
    private sealed class Zipf
    {
        private readonly double[] _cumulative;

        public Zipf(int n)
        {
            _cumulative = new double[n];
            var total = 0.0;
            for (var r = 0; r < n; r++)
                _cumulative[r] = total += 1.0 / (r + 1);
        }

        public int Next(Random random)
        {
            var index = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
            return index >= 0 ? index : Math.Min(~index, _cumulative.Length - 1);
        }
    }
}
