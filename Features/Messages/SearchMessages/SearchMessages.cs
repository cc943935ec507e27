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

    /// <summary>
    /// A scope (the conversations searched) of at most this many messages is read whole rather
    /// than through the word index: about 1 ms of database time per thousand rows and word on the
    /// development machine, where the index would read past everyone else's postings of the words.
    /// </summary>
    public int ScanRows { get; set; } = 2000;

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
    /// required (it could never be found). The index and the scan of a small scope both take a body's words
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
    /// Reads the scope (the conversations searched) one of two ways, by its size. A scope of at
    /// most Search:ScanRows messages is read whole, newest first, and each message is checked
    /// here. A larger one goes through the word index (MessageTerms). There the query's rarest word
    /// drives: its newest postings in the scope, a backward read of its key that stops at the
    /// page. Each posting's signature, then the index itself, tells whether the message holds the
    /// other words too, so no message row is read. The scope's messages not indexed yet are read
    /// and checked here, so a message is found from the moment it commits. Both ways match words
    /// as Words.Indexed and Words.Finds define them, so the page is the one the definition gives.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, IOptions<SearchOptions> options) : IRequestHandler<Query, SearchPage>
    {
        private readonly int _scanRows = options.Value.ScanRows;

        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @OtherUserId)";

        // The conversations the caller can read now, each with its message count: rooms they are
        // in, and every direct conversation of theirs (readable by both users, friends or not any more).
        private const string MyConversationsSql = """
            SELECT c.id, c.message_count FROM room_participants p JOIN conversations c ON c.room_id = p.room_id WHERE p.user_id = @UserId
            UNION ALL SELECT c.id, c.message_count FROM conversations c WHERE c.user_low = @UserId
            UNION ALL SELECT c.id, c.message_count FROM conversations c WHERE c.user_high = @UserId
            """;

        // The one conversation roomId or userId names, the same way.
        private const string RoomConversationSql = "SELECT id, message_count FROM conversations WHERE room_id = @RoomId";

        private const string DirectConversationSql = $"SELECT id, message_count FROM conversations WHERE {ConversationsAccess.DirectPair}";

        /// <summary>A conversation searched and how many messages it has had (deleted ones too).</summary>
        private sealed record Conversation(long Id, long MessageCount);

        // A small scope, newest first: the clustered key is (conversation_id, id), so a range read
        // of each conversation below @Before. Only bodies passing the cheap filter {0} come back: the
        // words somewhere in them under the column's collation (case and accents ignored, as in the
        // index). The reader stops once the page is full.
        private const string ScanSql = """
            SELECT m.id, m.body FROM messages m FORCE INDEX (PRIMARY)
            WHERE m.conversation_id IN @ConversationIds AND m.id < @Before AND m.deleted_at IS NULL AND ({0})
            ORDER BY m.id DESC
            """;

        // The scope's messages that MessageIndexer has not indexed yet: a moment's sends, normally.
        // conversation_id + 0 keeps the planner from making a range per conversation of
        // ix_messages_unindexed: one range of the flag is cheaper than 200 dives.
        private const string UnindexedSql = """
            SELECT m.id, m.body FROM messages m FORCE INDEX (ix_messages_unindexed)
            WHERE m.unindexed = 1 AND m.id < @Before AND m.deleted_at IS NULL AND m.conversation_id + 0 IN @ConversationIds
            """;

        // For each query word (@Prefix{0}, a LIKE pattern of its fold): how many indexed words it
        // starts and in how many messages those are (the dictionary's estimate), and the @Most
        // most frequent of those words. Both read a range of message_words' key.
        private const string DictionarySql = """
            SELECT COUNT(*) AS words, CAST(COALESCE(SUM(messages), 0) AS SIGNED) AS messages FROM message_words WHERE term LIKE @Prefix{0} ESCAPE '!';
            SELECT term FROM message_words WHERE term LIKE @Prefix{0} ESCAPE '!' ORDER BY messages DESC LIMIT @Most;
            """;

        private sealed record Entry(long Words, long Messages);

        /// <summary>The driving word's most frequent words whose postings are read each newest first; the rest are read as one range and sorted.</summary>
        private const int MaxExpansions = 20;

        // The newest postings below @Before in the scope of messages that hold the other words
        // ({1}), of one word the driving word starts ({0}: t.term = @Term<i>). The key is (term,
        // message_id), so this reads it backwards and stops at @Take (FORCE INDEX: the planner
        // would rather walk ix_message_terms_message, every posting in id order, to skip a sort).
        // For a prefix of more than MaxExpansions words one more of these takes the rarer ones
        // ({0}: the prefix but the words read already), a range sorted. The signature check costs
        // no more than reading the posting; only the postings it lets through pay an index dive
        // per other word.
        private const string PostingsSql = """
            (SELECT t.message_id FROM message_terms t FORCE INDEX (PRIMARY)
             WHERE {0} AND t.message_id < @Before AND t.conversation_id IN @ConversationIds{1}
             ORDER BY t.message_id DESC LIMIT @Take)
            """;

        // That the message of posting t holds another query word (@Prefix{0}), one dive into
        // ix_message_terms_message. Without FORCE INDEX the planner may take the primary key,
        // which reads every posting of the prefix.
        private const string HoldsSql = """

               AND EXISTS (SELECT 1 FROM message_terms o FORCE INDEX (ix_message_terms_message)
                           WHERE o.message_id = t.message_id AND o.term LIKE @Prefix{0} ESCAPE '!')
            """;

        private const string SignatureSql =
            "\n   AND (t.signature_low & @MaskLow) = @MaskLow AND (t.signature_high & @MaskHigh) = @MaskHigh";

        // Not one deleted since the postings were read: a delete committed in between would show its tombstone.
        private const string FoundSql = $"""
            SELECT {MessagesAccess.MessageColumns} FROM messages m {MessagesAccess.ReplyJoin}
            WHERE m.id IN @Ids AND m.deleted_at IS NULL ORDER BY m.id DESC
            """;

        private sealed record Scanned(long Id, string Body);

        public async Task<SearchPage> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            List<Conversation> scope;
            if (query.RoomId is { } roomId)
            {
                (await connection.GetVisibleRoomAsync(roomId, query.UserId, cancellationToken)).EnsureParticipant();
                scope = (await connection.QueryAsync<Conversation>(new CommandDefinition(RoomConversationSql, new { RoomId = roomId },
                    cancellationToken: cancellationToken))).AsList();
            }
            else if (query.OtherUserId is { } otherId)
            {
                if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, query, cancellationToken: cancellationToken)))
                    throw new NotFoundException($"user {otherId} not found");
                scope = (await connection.QueryAsync<Conversation>(new CommandDefinition(DirectConversationSql, new { A = query.UserId, B = otherId },
                    cancellationToken: cancellationToken))).AsList();
            }
            else
                scope = (await connection.QueryAsync<Conversation>(new CommandDefinition(MyConversationsSql, query,
                    cancellationToken: cancellationToken))).AsList();
            if (!Words.Findable(query.Text) || scope.Count == 0)
                return new SearchPage([], HasMore: false);

            var take = query.Limit + 1;
            var words = new QueryWords(Words.Of(query.Text));
            var conversationIds = scope.Select(c => c.Id).ToList();
            var before = query.Before ?? long.MaxValue;
            List<long> found;
            if (scope.Sum(c => c.MessageCount) <= _scanRows)
                found = await ScanAsync(connection, words, conversationIds, before, take, cancellationToken);
            else
            {
                // The messages not indexed yet are read first: one indexed between the two reads is
                // then found by the index.
                var unindexed = (await connection.QueryAsync<Scanned>(new CommandDefinition(UnindexedSql,
                        new { ConversationIds = conversationIds, Before = before }, cancellationToken: cancellationToken)))
                    .Where(r => words.FoundIn(r.Body)).Select(r => r.Id);
                var indexed = await IndexedAsync(connection, words, conversationIds, before, take, cancellationToken);
                found = unindexed.Concat(indexed).Distinct().OrderByDescending(id => id).Take(take).ToList();
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
            public IReadOnlyList<string> Folded { get; } = words.Select(SearchMessages.Words.Fold).ToList();

            public int Count => words.Count;

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

            /// <summary>The cheap filter: each word somewhere in the body.</summary>
            public string Filter() =>
                string.Join(" AND ", Enumerable.Range(0, Count).Select(i => "(" + string.Join(" OR ",
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

            /// <summary>Whether the index would find the message by every word, from the words of its body the index holds.</summary>
            public bool FoundIn(string body) =>
                SearchMessages.Words.Indexed(body) is var indexed && Folded.All(w => SearchMessages.Words.Finds(indexed, w));
        }

        /// <summary>A small scope's matches below <paramref name="before"/>, newest first, at most <paramref name="take"/>.</summary>
        private static async Task<List<long>> ScanAsync(MySqlConnection connection, QueryWords words, List<long> conversationIds, long before,
            int take, CancellationToken cancellationToken)
        {
            var found = new List<long>();
            await foreach (var row in connection.QueryUnbufferedAsync<Scanned>(string.Format(ScanSql, words.Filter()),
                               words.Parameters(new { ConversationIds = conversationIds, Before = before })).WithCancellation(cancellationToken))
            {
                if (words.FoundIn(row.Body))
                    found.Add(row.Id);
                if (found.Count == take)
                    break;
            }
            return found;
        }

        /// <summary>
        /// Up to <paramref name="take"/> matches below <paramref name="before"/> from the word
        /// index, newest first. The driving word is the one in fewest messages by the dictionary
        /// (of those equally rare, the longest, which fewer words start).
        /// </summary>
        private static async Task<List<long>> IndexedAsync(MySqlConnection connection, QueryWords words, List<long> conversationIds,
            long before, int take, CancellationToken cancellationToken)
        {
            var parameters = new DynamicParameters(new { ConversationIds = conversationIds, Before = before, Take = take, Most = MaxExpansions });
            for (var i = 0; i < words.Count; i++)
                parameters.Add($"Prefix{i}", EscapeLike(words.Folded[i]) + "%");
            var entries = new Entry[words.Count];
            var expansions = new List<string>[words.Count];
            await using (var grid = await connection.QueryMultipleAsync(new CommandDefinition(
                             string.Concat(Enumerable.Range(0, words.Count).Select(i => string.Format(DictionarySql, i))), parameters,
                             cancellationToken: cancellationToken)))
                for (var i = 0; i < words.Count; i++)
                {
                    entries[i] = await grid.ReadSingleAsync<Entry>();
                    expansions[i] = (await grid.ReadAsync<string>()).AsList();
                }
            if (entries.Any(e => e.Words == 0))
                return [];

            var driver = Enumerable.Range(0, words.Count).OrderBy(i => entries[i].Messages).ThenByDescending(i => words.Folded[i].Length).First();
            var others = Enumerable.Range(0, words.Count).Where(i => i != driver).ToList();
            var (maskLow, maskHigh) = MessageTerms.Split(others.Aggregate(UInt128.Zero, (mask, i) => mask | MessageTerms.Bits(words.Folded[i])));
            parameters.Add("MaskLow", maskLow);
            parameters.Add("MaskHigh", maskHigh);
            var checks = others.Count == 0 ? "" : SignatureSql + string.Concat(others.Select(i => string.Format(HoldsSql, i)));
            var branches = expansions[driver].Select((term, i) =>
            {
                parameters.Add($"Term{i}", term);
                return string.Format(PostingsSql, $"t.term = @Term{i}", checks);
            }).ToList();
            if (entries[driver].Words > expansions[driver].Count)
            {
                parameters.Add("Read", expansions[driver]);
                branches.Add(string.Format(PostingsSql, $"t.term LIKE @Prefix{driver} ESCAPE '!' AND t.term NOT IN @Read", checks));
            }
            // A message holding two words the driving word starts comes from two of them.
            var sql = branches.Count == 1
                ? branches[0]
                : $"SELECT DISTINCT u.message_id FROM (\n{string.Join("\nUNION ALL\n", branches)}\n) u ORDER BY u.message_id DESC LIMIT @Take";
            return (await connection.QueryAsync<long>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).AsList();
        }

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
                                 "the next page, and hasMore tells whether there is one. limit 1-100, default 50. A scope of a few " +
                                 "thousand messages (Search:ScanRows) is read whole; a larger one goes through the service's word " +
                                 "index, which is written just behind each send and edit. Messages not indexed yet are read " +
                                 "directly, so a message is found from the moment it is sent, by the words it has now. A query " +
                                 "costs about what its rarest word's postings do. roomId: 404 for a " +
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
