using System.Globalization;
using System.Text;
using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Validation;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Messenger.Features.Messages.SearchMessages;

public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>The recent scan's row budget: about 1 ms of database time per thousand rows and word on the development machine.</summary>
    public int ScanRows { get; set; } = 8000;

    /// <summary>How often MessageIndexer looks for messages to index (0: never).</summary>
    public int IndexIntervalMilliseconds { get; set; } = 100;
}

public static class SearchSetup
{
    public static IServiceCollection AddMessageSearch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SearchOptions>().Bind(configuration.GetSection(SearchOptions.Section))
            .Validate(o => o.ScanRows > 0, $"{SearchOptions.Section}:ScanRows must be positive")
            .Validate(o => o.IndexIntervalMilliseconds >= 0, $"{SearchOptions.Section}:IndexIntervalMilliseconds must not be negative")
            .ValidateOnStart();
        services.AddHostedService<MessageIndexer>();
        return services;
    }
}

public static partial class SearchMessages
{
    public sealed record Query(long UserId, string Text, long? RoomId, long? OtherUserId, long? Before, int Limit)
        : IRequest<SearchPage>, IRateLimited<RateLimitPolicies.Search>;

    /// <summary>Newest first; the next page is before= the last item's id.</summary>
    public sealed record SearchPage(IReadOnlyList<Message> Items, bool HasMore);

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Text).NotEmpty().CodePointLength(1, 100).OverridePropertyName("query");
            RuleFor(x => x.Text).Must(text => Words.Of(text).Count > 0).When(x => !string.IsNullOrWhiteSpace(x.Text))
                .WithMessage(Words.NoneMessage).OverridePropertyName("query");
            RuleFor(x => x.Limit).InclusiveBetween(1, 100);
            RuleFor(x => x.Before).GreaterThan(0);
            RuleFor(x => x.RoomId).GreaterThan(0);
            RuleFor(x => x.OtherUserId).GreaterThan(0).OverridePropertyName("userId");
            RuleFor(x => x.OtherUserId).NotEqual(x => x.UserId).WithMessage("must not be yourself").OverridePropertyName("userId");
            RuleFor(x => x.OtherUserId).Null().When(x => x.RoomId is not null).WithMessage("give at most one of roomId and userId")
                .OverridePropertyName("userId");
        }
    }

    /// <summary>
    /// What a word is to search: a run of letters, digits and underscores (anything else, an
    /// apostrophe or a hyphen too, separates words) of 3 to 84 characters that is not a stop word.
    /// These were InnoDB FULLTEXT's rules (its defaults on MariaDB 10.11 and MySQL 8 alike) when
    /// search used it, kept so that what a query finds did not change. Shorter words and stop words
    /// are not in the index (MessageTerms), so a query word of that kind is dropped rather than
    /// required (it could never be found). The index and the recent scan both take a body's words
    /// from Indexed and match them with Finds, so both find the same messages.
    /// </summary>
    public static partial class Words
    {
        public const int MinLength = 3;

        /// <summary>Longer words are not indexed (InnoDB's innodb_ft_max_token_size was 84 too).</summary>
        public const int MaxLength = 84;

        public static readonly IReadOnlySet<string> StopWords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in", "is", "it", "la", "of",
            "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "who", "will", "with", "und", "www",
        };

        public const string NoneMessage =
            "has no word to search for: words are runs of at least 3 letters or digits, and stop words (the, and the like) do not count";

        /// <summary>The query's searchable words, each once, in order; never a boolean-mode operator.</summary>
        public static IReadOnlyList<string> Of(string text)
        {
            var words = new List<string>();
            foreach (var word in Tokens(text))
                if (TextRules.CodePoints(word) >= MinLength && !StopWords.Contains(word) && !words.Contains(word, StringComparer.OrdinalIgnoreCase))
                    words.Add(word);
            return words;
        }

        /// <summary>Whether a message can match at all: no word of the query is longer than any word the index holds.</summary>
        public static bool Findable(string text) => Of(text).All(w => TextRules.CodePoints(w) <= MaxLength);

        /// <summary>
        /// The words of a body the index holds, folded: not one under 3 or over 84 characters, nor
        /// a stop word.
        /// </summary>
        public static List<string> Indexed(string body) =>
            Tokens(body).Where(t => TextRules.CodePoints(t) is >= MinLength and <= MaxLength).Select(Fold).Where(t => !StopWords.Contains(t)).ToList();

        /// <summary>Whether the index finds a message by a (folded) query word: it starts one of the message's indexed words ("abou" does not find "about").</summary>
        public static bool Finds(IReadOnlyList<string> indexed, string foldedWord) =>
            indexed.Any(t => t.StartsWith(foldedWord, StringComparison.Ordinal));

        private static IEnumerable<string> Tokens(string text)
        {
            var word = new StringBuilder();
            foreach (var rune in text.Normalize(NormalizationForm.FormC).EnumerateRunes())
            {
                if (Rune.IsLetterOrDigit(rune) || rune.Value == '_'
                    || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
                {
                    word.Append(rune.ToString());
                    continue;
                }
                if (word.Length > 0)
                    yield return word.ToString();
                word.Clear();
            }
            if (word.Length > 0)
                yield return word.ToString();
        }
    }

    /// <summary>
    /// Two parts. First the recent scan: the caller's newest messages, at most Search:ScanRows
    /// rows, newest first from before, each checked here. Its cost is what it reads, whichever
    /// words are asked and whatever everyone else wrote, so it fills a page of frequent words in a
    /// few thousand rows and searches a small conversation whole. Then, only when that did not fill
    /// the page, below the lowest id the scan examined: the word index (MessageTerms), that is the
    /// newest postings of the query's rarest word in the caller's conversations, a backward read
    /// of its key that stops at the page, with the other words checked first on each posting's
    /// signature and then on the few messages it lets through; and the caller's messages there
    /// that are not indexed yet, read and checked here. Every part takes words from Words.Indexed
    /// and matches them with Words.Finds, so the page is the one the definition gives.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, IOptions<SearchOptions> options) : IRequestHandler<Query, SearchPage>
    {
        private readonly int _scanRows = options.Value.ScanRows;

        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @OtherUserId)";

        // The conversations the caller can read now: rooms they are in, and every direct
        // conversation of theirs (readable by both users, friends or not any more); with the newest
        // id anywhere, where the scan starts when no before= is given (ux_messages_id answers it at once).
        private const string MyConversationsSql = """
            SELECT c.id FROM room_participants p JOIN conversations c ON c.room_id = p.room_id WHERE p.user_id = @UserId
            UNION ALL SELECT c.id FROM conversations c WHERE c.user_low = @UserId
            UNION ALL SELECT c.id FROM conversations c WHERE c.user_high = @UserId;
            SELECT COALESCE(MAX(id), 0) FROM messages;
            """;

        // One window of the recent scan: the caller's messages with ids in [@Low, @High). The
        // clustered key is (conversation_id, id), so this is a range read of each conversation's
        // slice of the window: one index dive per conversation plus the rows in it, never the
        // caller's older history nor anyone else's messages (FORCE INDEX keeps the planner off
        // ux_messages_id, which would walk everyone's ids). Every row comes back, so the scan knows
        // how far it read; the body only when it passes the cheap filter {0}: the words somewhere
        // in it under the column's collation (case and accents ignored, as in the index).
        private const string WindowSql = """
            SELECT m.id, CASE WHEN m.deleted_at IS NULL AND ({0}) THEN m.body END AS body
            FROM messages m FORCE INDEX (PRIMARY)
            WHERE m.conversation_id IN @ConversationIds AND m.id >= @Low AND m.id < @High
            """;

        // Only for a window that may hold more rows than the budget has left. Over many
        // conversations this sorts the window (and reads each row kept a second time, by its key:
        // about 1 µs a row), so a window known to fit goes without and is sorted here; over one
        // conversation it is the plain descending range read, stopping at the budget.
        private const string NewestInWindowSql = "\nORDER BY m.id DESC LIMIT @Take";

        // The indexed words a query word starts (@Prefix, a LIKE pattern of its fold), up to @Most.
        // A loose scan of the key: one dive per word.
        private const string ExpansionsSql = "SELECT DISTINCT term FROM message_terms WHERE term LIKE @Prefix ESCAPE '!' LIMIT @Most";

        // The newest postings of one indexed word (@Term{0}) below @Before in the caller's
        // conversations whose signature holds every bit of the other query words (@Mask): the key
        // is (term, message_id), so this reads it backwards and stops at @Take, with no row read.
        private const string PostingsSql = """
            (SELECT t.message_id FROM message_terms t
             WHERE t.term = @Term{0} AND t.message_id < @Before AND t.conversation_id IN @ConversationIds AND (t.signature & @Mask) = @Mask
             ORDER BY t.message_id DESC LIMIT @Take)
            """;

        /// <summary>Words a query word may start before their postings are read as one range and sorted, rather than each newest first.</summary>
        private const int MaxExpansions = 20;

        // Past MaxExpansions (a short prefix of many words): every posting of the prefix, sorted.
        private const string PrefixPostingsSql = """
            SELECT DISTINCT t.message_id FROM message_terms t
            WHERE t.term LIKE @Prefix ESCAPE '!' AND t.message_id < @Before AND t.conversation_id IN @ConversationIds
              AND (t.signature & @Mask) = @Mask
            ORDER BY t.message_id DESC LIMIT @Take
            """;

        private const string BodiesSql = "SELECT id, body FROM messages WHERE id IN @Ids";

        // The caller's messages below @Before that MessageIndexer has not indexed yet: a moment's
        // sends, normally. ix_messages_unindexed holds the primary key after the flag, so this is
        // one range per conversation.
        private const string UnindexedSql = """
            SELECT m.id, m.body FROM messages m FORCE INDEX (ix_messages_unindexed)
            WHERE m.unindexed = 1 AND m.conversation_id IN @ConversationIds AND m.id < @Before AND m.deleted_at IS NULL
            """;

        /// <summary>Postings a round of a query of several words reads at first and at most.</summary>
        private const int MinBatch = 200, MaxBatch = 12800;

        // Not one deleted since either part read it: a single word's postings are taken as they
        // are, and a delete committed in between would otherwise show its tombstone.
        private const string FoundSql = $"""
            SELECT {MessagesAccess.MessageColumns} FROM messages m {MessagesAccess.ReplyJoin}
            WHERE m.id IN @Ids AND m.deleted_at IS NULL ORDER BY m.id DESC
            """;

        /// <summary>The first windows read this share of the budget (1/8) and count each word on their own.</summary>
        private const int SampleShare = 8;

        /// <summary>A window never grows more than this many times over the one before it.</summary>
        private const int Growth = 8;

        /// <summary>Windows in one scan: enough to cross 8^7 times the sample in ids for a caller whose messages are sparse among everyone's.</summary>
        private const int MaxWindows = 8;

        private sealed record Scanned(long Id, string? Body);

        /// <summary>What the scan found (newest first), its floor, and in how many sampled messages each word was found.</summary>
        private sealed record Scan(List<long> Found, long Floor, int[] Hits);

        public async Task<SearchPage> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            List<long> conversationIds;
            long high;
            if (query.RoomId is { } roomId)
            {
                (await connection.GetVisibleRoomAsync(roomId, query.UserId, cancellationToken)).EnsureParticipant();
                conversationIds = await connection.FindRoomConversationIdAsync(roomId, cancellationToken) is { } conversationId ? [conversationId] : [];
                high = query.Before ?? long.MaxValue;
            }
            else if (query.OtherUserId is { } otherId)
            {
                if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, query, cancellationToken: cancellationToken)))
                    throw new NotFoundException($"user {otherId} not found");
                conversationIds = await connection.FindDirectConversationIdAsync(query.UserId, otherId, cancellationToken) is { } conversationId
                    ? [conversationId]
                    : [];
                high = query.Before ?? long.MaxValue;
            }
            else
            {
                await using var grid = await connection.QueryMultipleAsync(new CommandDefinition(MyConversationsSql, query,
                    cancellationToken: cancellationToken));
                conversationIds = (await grid.ReadAsync<long>()).AsList();
                high = Math.Min(query.Before ?? long.MaxValue, await grid.ReadSingleAsync<long>() + 1);
            }
            if (!Words.Findable(query.Text) || conversationIds.Count == 0)
                return new SearchPage([], HasMore: false);

            var take = query.Limit + 1;
            var words = new QueryWords(Words.Of(query.Text));
            var scan = await ScanAsync(connection, conversationIds, words, high, take, cancellationToken);
            var found = scan.Found;
            if (found.Count < take && scan.Floor > 1)
            {
                // Below the scan, the messages not indexed yet are read first: one indexed between
                // the two reads is then found by the index.
                var unindexed = (await connection.QueryAsync<Scanned>(new CommandDefinition(UnindexedSql, new { ConversationIds = conversationIds, Before = scan.Floor },
                    cancellationToken: cancellationToken))).Where(r => words.FoundIn(r.Body!).All(x => x)).Select(r => r.Id).ToList();
                var indexed = await IndexedAsync(connection, words, scan.Hits, conversationIds, scan.Floor, take - found.Count, cancellationToken);
                found.AddRange(unindexed.Concat(indexed).Distinct().OrderByDescending(id => id).Take(take - found.Count));
            }

            var page = found.Take(query.Limit).ToList();
            var rows = page.Count == 0
                ? []
                : (await connection.QueryAsync<MessagesAccess.MessageRow>(new CommandDefinition(FoundSql, new { Ids = page },
                    cancellationToken: cancellationToken))).AsList();
            return new SearchPage(await connection.WithDetailsAsync(rows, cancellationToken), found.Count > query.Limit);
        }

        /// <summary>The query's words as each part needs them: folded for Words.Finds, and as LIKE patterns for the cheap filter.</summary>
        private sealed class QueryWords(IReadOnlyList<string> words)
        {
            public IReadOnlyList<string> Words { get; } = words;

            public IReadOnlyList<string> Folded { get; } = words.Select(SearchMessages.Words.Fold).ToList();

            public int Count => Words.Count;

            /// <summary>
            /// Each word as LIKE patterns, either of which lets a body through: the word and its
            /// fold. LIKE compares letter by letter, so "straße" alone would miss "Strasse", which
            /// the index finds.
            /// </summary>
            private List<string>[] Patterns { get; } = words.Select(w => new[] { w, SearchMessages.Words.Fold(w) }
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .Select(p => $"%{EscapeLike(p)}%")
                .ToList()).ToArray();

            /// <summary>
            /// For the same reason, the letters the collation weighs as two or more plain ones that
            /// the word's fold holds ("ß" for "strasse", "ﬁ" for "final"), as a regular expression
            /// that lets through a body holding any: one pass over the body, where a LIKE per
            /// letter cost 1 µs a row each. Null when there are none.
            /// </summary>
            private string?[] Expanded { get; } = words.Select(w => SearchMessages.Words.Expansions
                .Where(e => SearchMessages.Words.Fold(w).Contains(e.Value)).Select(e => e.Key).ToArray() is { Length: > 0 } letters
                ? $"[{new string(letters)}]"
                : null).ToArray();

            /// <summary>The filter requiring each word somewhere in the body, joined by <paramref name="join"/>.</summary>
            public string Filter(string join) =>
                string.Join(join, Enumerable.Range(0, Count).Select(i => "(" + string.Join(" OR ",
                    Patterns[i].Select((_, j) => $"m.body LIKE @Like{i}_{j} ESCAPE '!'")
                        .Concat(Expanded[i] is null ? [] : [$"m.body REGEXP @Expanded{i}"])) + ")"));

            public DynamicParameters Parameters(object values)
            {
                var parameters = new DynamicParameters(values);
                for (var i = 0; i < Count; i++)
                {
                    for (var j = 0; j < Patterns[i].Count; j++)
                        parameters.Add($"Like{i}_{j}", Patterns[i][j]);
                    if (Expanded[i] is { } expanded)
                        parameters.Add($"Expanded{i}", expanded);
                }
                return parameters;
            }

            /// <summary>Which words the index would find the message by, from the words of its body the index holds.</summary>
            public bool[] FoundIn(string body) =>
                SearchMessages.Words.Indexed(body) is var indexed ? Folded.Select(w => SearchMessages.Words.Finds(indexed, w)).ToArray() : [];
        }

        /// <summary>
        /// The recent scan: the matches among the caller's newest messages below
        /// <paramref name="high"/>, newest first (at most <paramref name="take"/>); the floor, so
        /// that every message from it up to high was examined and the index part looks below
        /// it (1 when nothing is left below); and the sample's count of each word.
        /// </summary>
        private async Task<Scan> ScanAsync(MySqlConnection connection, List<long> conversationIds, QueryWords words, long high, int take,
            CancellationToken cancellationToken)
        {
            var parameters = words.Parameters(new { ConversationIds = conversationIds });
            // The sample (the first eighth of the budget) returns bodies holding any word, to count
            // each; the rest of the scan only those holding all.
            var sampleSql = string.Format(WindowSql, words.Filter(" OR "));
            var sql = string.Format(WindowSql, words.Filter(" AND "));

            // The sample is enough to tell a word that fills a page within the budget from one that
            // does not, which stops the scan there and is left to the index. Ids are unique, so a
            // window of n ids holds at most n of the caller's messages: the first cannot overrun
            // whoever the caller is. One conversation has no neighbours to skip, so its window is
            // everything below high, cut at the rows wanted. Later windows are sized by the share
            // of ids that turned out to be the caller's, to the rows a full page needs at the rate
            // of matches so far.
            var sample = Math.Max(1, _scanRows / SampleShare);
            var top = high;
            long width = conversationIds.Count == 1 ? high : sample;
            var wanted = sample;
            var examined = 0;
            var found = new List<long>();
            var hits = new int[words.Count];
            for (var window = 0; window < MaxWindows && examined < _scanRows && found.Count < take && high > 1; window++)
            {
                var sampling = examined < sample;
                var low = Math.Max(high - width, 1);
                parameters.Add("Low", low);
                parameters.Add("High", high);
                parameters.Add("Take", wanted);
                var rows = (await connection.QueryAsync<Scanned>(new CommandDefinition(
                    (sampling ? sampleSql : sql) + (high - low > wanted ? NewestInWindowSql : ""),
                    parameters, cancellationToken: cancellationToken))).OrderByDescending(r => r.Id).ToList();
                examined += rows.Count;
                foreach (var row in rows)
                    if (row.Body is { } body && words.FoundIn(body) is var inBody)
                    {
                        if (sampling)
                            for (var i = 0; i < inBody.Length; i++)
                                hits[i] += inBody[i] ? 1 : 0;
                        if (inBody.All(x => x))
                            found.Add(row.Id);
                    }
                // A window cut short at the rows wanted was examined down to its last row only.
                high = rows.Count == wanted ? rows[^1].Id : low;

                var needed = found.Count == 0 ? double.PositiveInfinity : (double)examined * take / found.Count;
                if (examined >= sample && needed > _scanRows)
                    break;
                wanted = (int)Math.Min(_scanRows - examined, Math.Max(sample - examined, found.Count == 0 ? 0 : needed - examined + 1));
                width = (long)Math.Max(1, Math.Min(long.MaxValue / 2.0,
                    Math.Min(width * (double)Growth, wanted * (double)(top - high) / Math.Max(examined, 1))));
            }
            return new Scan(found.Take(take).ToList(), high, hits);
        }

        /// <summary>
        /// Up to <paramref name="take"/> matches below <paramref name="before"/> from the word
        /// index, newest first. The rarest word in the scan's sample drives (of those equally rare,
        /// the longest, which fewer words start): its postings are read newest first, those whose
        /// signature lacks a bit of another word are passed over in the index, and the messages of
        /// the rest are checked for every word here. A check that drops some is made up for from
        /// below the last posting read, so a page is always as full as the matches allow.
        /// </summary>
        private static async Task<List<long>> IndexedAsync(MySqlConnection connection, QueryWords words, int[] hits, List<long> conversationIds,
            long before, int take, CancellationToken cancellationToken)
        {
            var driver = Enumerable.Range(0, words.Count).OrderBy(i => hits[i]).ThenByDescending(i => words.Folded[i].Length).First();
            var prefix = Like(words.Folded[driver]);
            var expansions = (await connection.QueryAsync<string>(new CommandDefinition(ExpansionsSql, new { Prefix = prefix, Most = MaxExpansions + 1 },
                cancellationToken: cancellationToken))).AsList();
            if (expansions.Count == 0)
                return [];
            var others = Enumerable.Range(0, words.Count).Where(i => i != driver).ToList();
            var parameters = new DynamicParameters(new
            {
                Prefix = prefix, ConversationIds = conversationIds,
                Mask = others.Aggregate(0UL, (mask, i) => mask | MessageTerms.Bits(words.Folded[i])),
            });
            for (var i = 0; i < expansions.Count; i++)
                parameters.Add($"Term{i}", expansions[i]);
            var sql = expansions.Count > MaxExpansions
                ? PrefixPostingsSql
                : $"SELECT DISTINCT u.message_id FROM (\n{string.Join("\nUNION ALL\n", expansions.Select((_, i) => string.Format(PostingsSql, i)))}\n) u " +
                  "ORDER BY u.message_id DESC LIMIT @Take";

            // A single word's postings are all matches. With more words, those the signatures let
            // through may not be, and the rarer the matches the more rounds a page would take, so
            // each round asks for several times what the page still lacks, four times more than
            // the round before (a round trip costs what reading a few hundred postings does).
            var found = new List<long>();
            var batch = others.Count == 0 ? take : Math.Max(take, MinBatch);
            while (found.Count < take)
            {
                var asked = Math.Max(take - found.Count, batch);
                parameters.Add("Before", before);
                parameters.Add("Take", asked);
                var ids = (await connection.QueryAsync<long>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).AsList();
                if (others.Count == 0)
                    found.AddRange(ids);
                else if (ids.Count > 0)
                {
                    var bodies = (await connection.QueryAsync<Scanned>(new CommandDefinition(BodiesSql, new { Ids = ids },
                        cancellationToken: cancellationToken))).ToDictionary(r => r.Id, r => r.Body!);
                    found.AddRange(ids.Where(id => bodies.TryGetValue(id, out var body) && words.FoundIn(body).All(x => x)).Take(take - found.Count));
                }
                if (ids.Count < asked)
                    break;
                before = ids[^1];
                batch = Math.Min(batch * 4, MaxBatch);
            }
            return found;
        }

        /// <summary>A LIKE pattern for the words a folded word starts.</summary>
        private static string Like(string folded) => EscapeLike(folded) + "%";

        /// <summary>Text as LIKE takes it literally, with ! as the ESCAPE character.</summary>
        private static string EscapeLike(string text) => text.Replace("!", "!!").Replace("%", "!%").Replace("_", "!_");
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/messages/search", (string? query, long? roomId, long? userId, long? before, int? limit, IMediator mediator,
                    HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), query ?? "", roomId, userId, before, limit ?? 50), ct))
                .WithName(nameof(SearchMessages))
                .WithTags("Messages")
                .WithSummary("Search the messages I can read now, newest first")
                .WithDescription("Searches the rooms you are in and all your direct conversations (friends or not any more); roomId " +
                                 "or userId narrows to one of them (at most one of the two). Every word of query must start a word " +
                                 "of the message, ignoring case and accents (\"cafe\" finds \"Cafés\"); deleted messages never " +
                                 "match. A word is a run of at least 3 letters, digits or underscores (other characters, " +
                                 "apostrophes and hyphens included, separate words) that is not one of InnoDB's stop words: a, " +
                                 "about, an, are, as, at, be, by, com, de, en, for, from, how, i, in, is, it, la, of, on, or, that, " +
                                 "the, this, to, was, what, when, where, who, will, with, und, www (InnoDB's full-text defaults, " +
                                 "kept by the service's own word index, so they hold on MariaDB and MySQL alike). Shorter words and " +
                                 "stop words in query are ignored, since messages are not indexed by them; a query with no word left " +
                                 "is 400 naming query, as is an empty one or one over 100 characters. A word over 84 characters is " +
                                 "in no message's index, so it matches nothing. Operators of any kind (quotes, +, -, *) are just separators. " +
                                 "Items are newest first (the one list in the API that is); before=<id of the last item> gives " +
                                 "the next page, and hasMore tells whether there is one. limit 1-100, default 50. The newest matches are " +
                                 "found by reading your recent messages and older ones in the word index, which is written just " +
                                 "behind each send and edit; messages not indexed yet are read directly, so a message is found " +
                                 "from the moment it is sent, by the words it has now. A frequent word costs about what a rare " +
                                 "one does. roomId: 404 for a " +
                                 "private room you cannot see, 403 for a room you can see but are not in (a public room, or one you " +
                                 "are only invited to). userId: 404 for an unknown user; no conversation yet gives no items. " +
                                 "Limited by RateLimits:Policies:Search.")
                .RequireAuthorization()
                .Produces<SearchPage>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
