using Dapper;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Messenger.Features.Messages;

/// <summary>
/// The search index (migrations 0014 and 0015). message_terms holds the postings of a message:
/// one row per distinct word of its body as the index holds words (SearchMessages.Words.Indexed:
/// folded, 3-84 characters, no stop word), each carrying the message's conversation and
/// signature. message_words counts the messages indexed with each word. Both are written behind
/// the send, off its path: a message is stored flagged unindexed, and IndexAsync (run by
/// MessageIndexer) writes the postings of flagged messages and clears the flag in one
/// transaction. An edit flags its message again, a delete clears the flag; both remove the
/// message's postings. Search reads the caller's flagged messages itself, so it finds a message
/// from the moment it is committed, indexed yet or not.
/// </summary>
public static class MessageTerms
{
    /// <summary>The body's words and its signature.</summary>
    public sealed record Postings(IReadOnlyList<string> Terms, UInt128 Signature);

    public static Postings Of(string body)
    {
        var terms = SearchMessages.SearchMessages.Words.Indexed(body).Distinct(StringComparer.Ordinal).ToList();
        return new Postings(terms, terms.Aggregate(UInt128.Zero, (signature, term) => signature | Bits(term)));
    }

    /// <summary>
    /// A folded word's bits in a signature: two for each of its prefixes of 3, 4 and 5 characters.
    /// A word that starts another has a subset of that word's bits. So a message holding a word
    /// that a query word starts has every bit of the query word, and a posting whose signature
    /// lacks one cannot match. Search passes over such postings without checking the word. A
    /// message of eight indexed words (the search benchmark's average) sets about a quarter of the
    /// 128 bits, so a query word of 3 characters (2 bits) lets through about one posting in 14 that
    /// lacks it, and one of 5 or more characters (6 bits) about one in 3,000.
    /// </summary>
    public static UInt128 Bits(string folded)
    {
        var bits = UInt128.Zero;
        foreach (var length in (ReadOnlySpan<int>)[3, 4, 5])
            if (folded.Length >= length && Hash(folded.AsSpan(0, length)) is var hash)
                bits |= (UInt128.One << (int)(hash % 128)) | (UInt128.One << (int)((hash >> 32) % 128));
        return bits;
    }

    /// <summary>The two columns a signature is stored in (MariaDB has no 128-bit integer to AND).</summary>
    public static (ulong Low, ulong High) Split(UInt128 signature) => ((ulong)signature, (ulong)(signature >> 64));

    /// <summary>
    /// FNV-1a, then MurmurHash3's finalizer: FNV-1a alone leaves bits 32-38 the same for every
    /// input of three characters, which put one bit in every signature.
    /// </summary>
    private static ulong Hash(ReadOnlySpan<char> text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
            hash = (hash ^ c) * 1099511628211UL;
        hash = (hash ^ (hash >> 33)) * 0xff51afd7ed558ccdUL;
        hash = (hash ^ (hash >> 33)) * 0xc4ceb9fe1a85ec53UL;
        return hash ^ (hash >> 33);
    }

    /// <summary>An edit's or a delete's: the message's postings go (@Id).</summary>
    public const string RemoveSql = "DELETE FROM message_terms WHERE message_id = @Id;";

    /// <summary>Messages one IndexAsync takes: about 8,000 postings in one INSERT.</summary>
    public const int Batch = 1000;

    // Read committed, so the locking read takes no gap locks: a send storing a flagged message
    // beside the ones locked here never waits for this batch. SKIP LOCKED leaves a message an edit
    // or delete holds (it is taken next time, as it is then), and lets instances share the work.
    private const string FlaggedSql = """
        SELECT id, conversation_id, CASE WHEN deleted_at IS NULL THEN body END AS body FROM messages FORCE INDEX (ix_messages_unindexed)
        WHERE unindexed = 1 LIMIT @Take FOR UPDATE SKIP LOCKED
        """;

    private const string ClearSql = "UPDATE messages SET unindexed = NULL WHERE id IN @Ids";

    /// <summary>A flagged message; no body when it is deleted (messages deleted before migration 0014 start flagged too).</summary>
    private sealed record Flagged(long Id, long ConversationId, string? Body);

    /// <summary>
    /// Indexes up to Batch flagged messages (deleted ones just lose the flag) in one transaction;
    /// returns how many it took, so a caller goes on while that is a whole batch.
    /// </summary>
    public static async Task<int> IndexAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        var flagged = (await connection.QueryAsync<Flagged>(new CommandDefinition(FlaggedSql, new { Take = Batch }, transaction,
            cancellationToken: cancellationToken))).AsList();
        if (flagged.Count == 0)
            return 0;
        var rows = new List<string>();
        var parameters = new DynamicParameters();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var message in flagged.Where(m => m.Body is not null))
        {
            var postings = Of(message.Body!);
            var (low, high) = Split(postings.Signature);
            foreach (var term in postings.Terms)
            {
                parameters.Add($"T{rows.Count}", term);
                rows.Add($"(@T{rows.Count}, {message.Id}, {message.ConversationId}, {low}, {high})");
                counts[term] = counts.GetValueOrDefault(term) + 1;
            }
        }
        if (rows.Count > 0)
        {
            // A posting already there is left as it is (edits and deletes remove what they
            // replace, so none is expected): one odd row must not stop every batch after it. The
            // counts go in one order in every instance, so two batches never deadlock on them.
            var words = counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select((c, i) => (Term: c.Key, Count: c.Value, Index: i)).ToList();
            foreach (var word in words)
                parameters.Add($"W{word.Index}", word.Term);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO message_terms (term, message_id, conversation_id, signature_low, signature_high) VALUES " + string.Join(',', rows) +
                " ON DUPLICATE KEY UPDATE signature_low = signature_low;\n" +
                "INSERT INTO message_words (term, messages) VALUES " + string.Join(',', words.Select(w => $"(@W{w.Index}, {w.Count})")) +
                " ON DUPLICATE KEY UPDATE messages = messages + VALUES(messages)",
                parameters, transaction, cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition(ClearSql, new { Ids = flagged.Select(m => m.Id) }, transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return flagged.Count;
    }
}

/// <summary>
/// Indexes flagged messages every Search:IndexIntervalMilliseconds (0: never, for tests that
/// index explicitly), a batch after another until none is left. Every instance runs one.
/// </summary>
public sealed class MessageIndexer(MySqlDataSource db, IOptions<SearchMessages.SearchOptions> options, ILogger<MessageIndexer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.IndexIntervalMilliseconds == 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.IndexIntervalMilliseconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                while (await MessageTerms.IndexAsync(connection, stoppingToken) == MessageTerms.Batch)
                {
                }
            }
            catch (MySqlException e)
            {
                // The database is down or busy: flagged messages wait (search still finds them).
                logger.LogWarning("Search indexing stopped early: {Reason}", e.Message);
            }
        }
    }
}
