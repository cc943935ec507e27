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
}

public static class SearchSetup
{
    public static IServiceCollection AddMessageSearch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SearchOptions>().Bind(configuration.GetSection(SearchOptions.Section))
            .Validate(o => o.ScanRows > 0, $"{SearchOptions.Section}:ScanRows must be positive").ValidateOnStart();
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
    /// What a word is, as InnoDB's full-text parser sees it: a run of letters, digits and
    /// underscores (anything else, an apostrophe or a hyphen too, separates words) of at least
    /// innodb_ft_min_token_size characters that is not a stop word. Shorter words and stop words
    /// are not in the index, so a query word of that kind is dropped rather than required (it could
    /// never be found). Both are the defaults of MariaDB 10.11 and MySQL 8 alike (3, and InnoDB's
    /// list of 36); SearchMessagesTests holds them to the database in use. The recent scan applies
    /// the same rules to the bodies it reads (Indexed, Finds), so that it finds what the index would.
    /// </summary>
    public static partial class Words
    {
        public const int MinLength = 3;

        /// <summary>innodb_ft_max_token_size: longer words are not indexed, and the parser would silently drop such a query word.</summary>
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

        /// <summary>Every word required, each as a prefix: <c>+pizz* +tonig*</c>; null when a word is too long to be in any message.</summary>
        public static string? BooleanQuery(string text) =>
            Of(text) is var words && words.Any(w => TextRules.CodePoints(w) > MaxLength) ? null : string.Join(' ', words.Select(w => $"+{w}*"));

        /// <summary>
        /// The words of a body the full-text index holds, folded: not one under 3 or over 84
        /// characters, nor a stop word.
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
    /// Two strategies, each cheap exactly where the other is not. InnoDB's full-text search hands
    /// over every message holding the words, and each costs a row read to filter and sort, so a
    /// word in tens of thousands of messages costs hundreds of milliseconds however small the page.
    /// Reading the caller's newest messages and checking each costs what is read, so it finds a
    /// page of a frequent word within a few thousand rows. So: first the recent scan, at most
    /// Search:ScanRows rows, newest first from before; then, only when that did not fill the page,
    /// the full-text query below the lowest id the scan examined, for the rest. A word that did not
    /// fill a page in the caller's recent messages is rare there, which is when the index is cheap.
    /// Both parts find the same messages (the scan applies the index's word rules, Words.Indexed,
    /// and the collation's, Words.Fold), so the page is the one the full-text query alone gives.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, IOptions<SearchOptions> options) : IRequestHandler<Query, SearchPage>
    {
        private readonly int _scanRows = options.Value.ScanRows;

        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @OtherUserId)";

        // The conversations the caller can read now: rooms they are in, and every direct
        // conversation of theirs (readable by both users, friends or not any more). The scan takes
        // them as a list; the full-text part as this subquery, which its plan joins to the matches
        // (as a list, the planner would first estimate a range of every conversation: 3 ms for 200).
        private const string MyConversations = """
            SELECT c.id FROM room_participants p JOIN conversations c ON c.room_id = p.room_id WHERE p.user_id = @UserId
            UNION ALL SELECT c.id FROM conversations c WHERE c.user_low = @UserId
            UNION ALL SELECT c.id FROM conversations c WHERE c.user_high = @UserId
            """;

        // With the newest id anywhere, where the scan starts when no before= is given
        // (ux_messages_id answers it at once).
        private const string MyConversationsSql = $"""
            {MyConversations};
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

        // The rest of the page, below the scan's floor: the full-text query, with {0} the cheap
        // filter for the words left out of @Terms (see FullTextAsync) and {1} the scope.
        private const string FullTextSql = """
            SELECT m.id, m.body FROM messages m
            WHERE MATCH(m.body) AGAINST (@Terms IN BOOLEAN MODE)
              AND m.deleted_at IS NULL AND m.id < @Before AND {0}
              AND m.conversation_id IN ({1})
            ORDER BY m.id DESC LIMIT @Take
            """;

        private const string FoundSql = $"""
            SELECT {MessagesAccess.MessageColumns} FROM messages m {MessagesAccess.ReplyJoin}
            WHERE m.id IN @Ids ORDER BY m.id DESC
            """;

        /// <summary>The first windows read this share of the budget (1/8) and count each word on their own.</summary>
        private const int SampleShare = 8;

        /// <summary>A window never grows more than this many times over the one before it.</summary>
        private const int Growth = 8;

        /// <summary>Windows in one scan: enough to cross 8^7 times the sample in ids for a caller whose messages are sparse among everyone's.</summary>
        private const int MaxWindows = 8;

        /// <summary>A word the sample holds this many times more often than the query's rarest one (plus one) is left out of the full-text terms.</summary>
        private const int Common = 8;

        private sealed record Scanned(long Id, string? Body);

        /// <summary>What the scan found (newest first), its floor, and in how many sampled messages each word was found.</summary>
        private sealed record Scan(List<long> Found, long Floor, int[] Hits);

        public async Task<SearchPage> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            List<long> conversationIds;
            string scope;
            long high;
            if (query.RoomId is { } roomId)
            {
                (await connection.GetVisibleRoomAsync(roomId, query.UserId, cancellationToken)).EnsureParticipant();
                conversationIds = await connection.FindRoomConversationIdAsync(roomId, cancellationToken) is { } conversationId ? [conversationId] : [];
                scope = "@ConversationId";
                high = query.Before ?? long.MaxValue;
            }
            else if (query.OtherUserId is { } otherId)
            {
                if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, query, cancellationToken: cancellationToken)))
                    throw new NotFoundException($"user {otherId} not found");
                conversationIds = await connection.FindDirectConversationIdAsync(query.UserId, otherId, cancellationToken) is { } conversationId
                    ? [conversationId]
                    : [];
                scope = "@ConversationId";
                high = query.Before ?? long.MaxValue;
            }
            else
            {
                await using var grid = await connection.QueryMultipleAsync(new CommandDefinition(MyConversationsSql, query,
                    cancellationToken: cancellationToken));
                conversationIds = (await grid.ReadAsync<long>()).AsList();
                scope = MyConversations;
                high = Math.Min(query.Before ?? long.MaxValue, await grid.ReadSingleAsync<long>() + 1);
            }
            if (Words.BooleanQuery(query.Text) is null || conversationIds.Count == 0)
                return new SearchPage([], HasMore: false);

            var take = query.Limit + 1;
            var words = new QueryWords(Words.Of(query.Text));
            var scan = await ScanAsync(connection, conversationIds, words, high, take, cancellationToken);
            var found = scan.Found;
            if (found.Count < take && scan.Floor > 1)
                found.AddRange(await FullTextAsync(connection, words, scan.Hits, scope,
                    new { query.UserId, ConversationId = conversationIds[0] }, scan.Floor, take - found.Count, cancellationToken));

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
                .Select(p => $"%{p.Replace("!", "!!").Replace("%", "!%").Replace("_", "!_")}%")
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

            /// <summary>The filter requiring each word of <paramref name="indexes"/> (all when null) somewhere in the body, joined by <paramref name="join"/>.</summary>
            public string Filter(string join, IEnumerable<int>? indexes = null) =>
                string.Join(join, (indexes ?? Enumerable.Range(0, Count)).Select(i => "(" + string.Join(" OR ",
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
        /// that every message from it up to high was examined and the full-text part looks below
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
        /// Up to <paramref name="take"/> matches below <paramref name="before"/> from the full-text
        /// index, newest first. InnoDB reads the whole posting list of every term, so a word in a
        /// third of the messages ("you") costs a three-word query 200 ms even when one message
        /// holds all three. A word the scan's sample found far more often than the query's rarest
        /// is therefore left out of the terms: the rarer words find few candidates, and it is
        /// required of those by the cheap filter and checked here, so the page stays the same.
        /// </summary>
        private static async Task<List<long>> FullTextAsync(MySqlConnection connection, QueryWords words, int[] hits, string scope,
            object scopeValues, long before, int take, CancellationToken cancellationToken)
        {
            var rarest = hits.Min();
            var terms = Enumerable.Range(0, words.Count).Where(i => hits[i] <= Common * (rarest + 1)).ToList();
            var checkedHere = Enumerable.Range(0, words.Count).Except(terms).ToList();
            var sql = string.Format(FullTextSql, checkedHere.Count == 0 ? "TRUE" : words.Filter(" AND ", checkedHere), scope);
            var parameters = words.Parameters(scopeValues);
            parameters.Add("Terms", string.Join(' ', terms.Select(i => $"+{words.Words[i]}*")));

            // The cheap filter lets through a word found inside another ("you" in "bayou"): what
            // the check here drops, the next round replaces from below the last row read.
            var found = new List<long>();
            while (found.Count < take)
            {
                var asked = take - found.Count;
                parameters.Add("Before", before);
                parameters.Add("Take", asked);
                var rows = (await connection.QueryAsync<Scanned>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).AsList();
                found.AddRange(rows.Where(r => checkedHere.Count == 0 || words.FoundIn(r.Body!).All(x => x)).Select(r => r.Id));
                if (rows.Count < asked)
                    break;
                before = rows[^1].Id;
            }
            return found;
        }
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
                                 "the, this, to, was, what, when, where, who, will, with, und, www. These are the full-text " +
                                 "settings of the database in use (innodb_ft_min_token_size 3 and the default stop word list, the " +
                                 "same on MariaDB 10.11 and MySQL 8). Shorter words and stop words in query are ignored, since " +
                                 "messages are not indexed by them; a query with no word left is 400 naming query, as is an empty " +
                                 "one or one over 100 characters. A word over 84 characters (innodb_ft_max_token_size) is in no " +
                                 "message, so it matches nothing. Operators of any kind (quotes, +, -, *) are just separators. " +
                                 "Items are newest first (the one list in the API that is); before=<id of the last item> gives " +
                                 "the next page, and hasMore tells whether there is one. limit 1-100, default 50. The newest matches are " +
                                 "found by reading your recent messages and older ones by the full-text index, with the same " +
                                 "answer as the index alone: a frequent word costs about what a rare one does. roomId: 404 for a " +
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
