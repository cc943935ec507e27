using Dapper;
using MySqlConnector;

namespace Messenger.Features.Messages;

/// <summary>
/// The search index's postings of a message (table message_terms, see migration 0014): one row
/// per distinct word of its body as the index holds words (SearchMessages.Words.Indexed: folded,
/// 3-84 characters, no stop word), each carrying the message's conversation and signature. Send,
/// edit and delete write them in the message's own transaction, so search finds exactly what is
/// committed; Backfill indexes what was stored before the table existed.
/// </summary>
public static class MessageTerms
{
    /// <summary>The body's words and its signature; <c>Json</c> is the array the SQL below reads with JSON_TABLE.</summary>
    public sealed record Postings(IReadOnlyList<string> Terms, ulong Signature)
    {
        public string Json => System.Text.Json.JsonSerializer.Serialize(Terms);
    }

    public static Postings Of(string body)
    {
        var terms = SearchMessages.SearchMessages.Words.Indexed(body).Distinct(StringComparer.Ordinal).ToList();
        return new Postings(terms, terms.Aggregate(0UL, (signature, term) => signature | Bits(term)));
    }

    /// <summary>
    /// A folded word's bits in a signature: one for each of its prefixes of 3, 4 and 5 characters.
    /// A word that starts another has a subset of that word's bits, so a message holding a word
    /// that a query word starts has every bit of the query word: a posting whose signature lacks
    /// one cannot match, and is passed over without reading its message. The messages let through
    /// (those holding the word, and those whose other words happen to set its bits) are checked
    /// for every word.
    /// </summary>
    public static ulong Bits(string folded)
    {
        var bits = 0UL;
        foreach (var length in (ReadOnlySpan<int>)[3, 4, 5])
            if (folded.Length >= length)
                bits |= 1UL << (int)(Fnv1A(folded.AsSpan(0, length)) % 64);
        return bits;
    }

    private static ulong Fnv1A(ReadOnlySpan<char> text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
            hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    /// <summary>@Terms (Postings.Json) as rows of one column, term; MySQL 8 and MariaDB both read it.</summary>
    private const string TermRows = "JSON_TABLE(@Terms, '$[*]' COLUMNS (term VARCHAR(255) PATH '$')) AS j";

    /// <summary>
    /// A send's postings, right after the message's INSERT (or its attachments'), guarded like the
    /// attachments: LAST_INSERT_ID() is the new message only if the statement before wrote rows.
    /// Takes @Terms and @Signature; left out of the batch for a body without words.
    /// </summary>
    public const string AfterSendSql = $"""
        INSERT INTO message_terms (term, message_id, conversation_id, signature)
        SELECT j.term, m.id, m.conversation_id, @Signature FROM messages m, {TermRows} WHERE m.id = LAST_INSERT_ID() AND ROW_COUNT() > 0;
        """;

    /// <summary>An edit's or a delete's: the postings of the body it had (@OldTerms) go.</summary>
    public const string RemoveSql = "DELETE FROM message_terms WHERE term IN @OldTerms AND message_id = @Id;";

    /// <summary>An edit's: the postings of the new body (@Terms, @Signature) of message @Id in @ConversationId.</summary>
    public const string AddSql = $"""
        INSERT INTO message_terms (term, message_id, conversation_id, signature) SELECT j.term, @Id, @ConversationId, @Signature FROM {TermRows};
        """;

    private const int BackfillBatch = 1000;

    private const string MarkSql = "SELECT below FROM message_terms_backfill WHERE id = 1 FOR UPDATE";

    // Share-locked, so an edit or delete of one of them waits for this batch and then replaces
    // the postings written here; one that came first is read as it now is.
    private const string OlderSql = """
        SELECT id, conversation_id, body FROM messages FORCE INDEX (ux_messages_id)
        WHERE id < @Below AND deleted_at IS NULL ORDER BY id DESC LIMIT @Take LOCK IN SHARE MODE
        """;

    private sealed record Older(long Id, long ConversationId, string Body);

    /// <summary>
    /// Writes the postings of messages stored without them, in statements of a few thousand rows;
    /// postings already there stay as they are. For the backfill, and for benchmarks and tests
    /// that store messages straight into the table.
    /// </summary>
    public static void Write(MySqlConnection connection, MySqlTransaction? transaction, IEnumerable<(long Id, long ConversationId, string Body)> messages)
    {
        var rows = new List<string>();
        var parameters = new DynamicParameters();
        void Flush()
        {
            if (rows.Count > 0)
                connection.Execute("INSERT INTO message_terms (term, message_id, conversation_id, signature) VALUES " + string.Join(',', rows) +
                                   " ON DUPLICATE KEY UPDATE signature = signature", parameters, transaction, commandTimeout: 600);
            rows.Clear();
            parameters = new DynamicParameters();
        }
        foreach (var (id, conversationId, body) in messages)
        {
            var postings = Of(body);
            foreach (var term in postings.Terms)
            {
                parameters.Add($"T{rows.Count}", term);
                rows.Add($"(@T{rows.Count}, {id}, {conversationId}, {postings.Signature})");
            }
            if (rows.Count >= 5000)
                Flush();
        }
        Flush();
    }

    /// <summary>
    /// Indexes the messages stored before migration 0014, newest first, a thousand per transaction
    /// (about 8,000 postings), moving message_terms_backfill's mark down with each and dropping it
    /// at the end; returns at once when there is no mark. Runs at start, after the migrations and
    /// before the service takes requests (about a minute per million messages). Instances starting
    /// together take turns on the mark's lock; one stopped midway leaves the mark where it got to.
    /// </summary>
    public static void Backfill(string connectionString, ILogger logger)
    {
        using var connection = new MySqlConnection(connectionString);
        connection.Open();
        var indexed = 0;
        while (true)
        {
            using var transaction = connection.BeginTransaction();
            if (connection.QuerySingleOrDefault<long?>(MarkSql, transaction: transaction) is not { } below)
                return;
            var older = connection.Query<Older>(OlderSql, new { Below = below, Take = BackfillBatch }, transaction).AsList();
            Write(connection, transaction, older.Select(m => (m.Id, m.ConversationId, m.Body)));
            connection.Execute(older.Count < BackfillBatch
                ? "DELETE FROM message_terms_backfill WHERE id = 1"
                : "UPDATE message_terms_backfill SET below = @Below WHERE id = 1", new { Below = older.Count == 0 ? 0 : older[^1].Id }, transaction);
            transaction.Commit();
            indexed += older.Count;
            if (older.Count < BackfillBatch)
            {
                if (indexed > 0)
                    logger.LogInformation("Search index: indexed {Count} older messages; done", indexed);
                return;
            }
            if (indexed % 100_000 == 0)
                logger.LogInformation("Search index: indexed {Count} older messages, continuing below id {Below}", indexed, older[^1].Id);
        }
    }
}
