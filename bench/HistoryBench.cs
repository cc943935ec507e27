using System.Diagnostics;
using System.Text;
using MySqlConnector;

namespace Messenger.Bench;

/// <summary>
/// (a) One direct conversation of N messages (1,000,000 by default), then history pages through
/// the API at depths 0%, 50% and 99%: the latency must not grow with depth.
/// </summary>
public static class HistoryBench
{
    private const int Samples = 300;
    private const int Batch = 5000;

    public static async Task<int> RunAsync(string baseUrl, string connectionString, int messages)
    {
        var api = new Api(baseUrl);
        var tag = Random.Shared.Next(1_000_000);
        var alice = await api.RegisterAsync($"hist_a{tag}");
        var bob = await api.RegisterAsync($"hist_b{tag}");
        await api.PostAsync(alice, "/friends/request", new { toUserId = bob.Id });
        await api.PostAsync(bob, "/friends/request", new { toUserId = alice.Id });
        await api.PostAsync(alice, $"/friends/{bob.Id}/messages", new { body = "first" });

        var seeded = Stopwatch.StartNew();
        await using var db = new MySqlConnection(connectionString);
        await db.OpenAsync();
        var conversationId = Convert.ToInt64(await new MySqlCommand(
            $"SELECT id FROM conversations WHERE user_low = {Math.Min(alice.Id, bob.Id)} AND user_high = {Math.Max(alice.Id, bob.Id)}", db).ExecuteScalarAsync());
        for (var done = 1; done < messages; done += Batch)
        {
            var sql = new StringBuilder("INSERT INTO messages (conversation_id, sender_id, recipient_id, body, created_at, version, seq) VALUES ");
            for (var i = 0; i < Math.Min(Batch, messages - done); i++)
            {
                var (from, to) = i % 2 == 0 ? (alice.Id, bob.Id) : (bob.Id, alice.Id);
                sql.Append(i == 0 ? "" : ",").Append($"({conversationId},{from},{to},'seeded message {done + i} with some ordinary text in it',UTC_TIMESTAMP(3),{done + i + 1},{done + i + 1})");
            }
            await new MySqlCommand(sql.ToString(), db).ExecuteNonQueryAsync();
        }
        // The conversation as sending would have left it: the first message was sent, the rest follow it in order.
        await new MySqlCommand($"""
            UPDATE conversations SET version = {messages}, message_count = {messages},
                last_message_id = (SELECT MAX(id) FROM messages WHERE conversation_id = {conversationId})
            WHERE id = {conversationId}
            """, db).ExecuteNonQueryAsync();
        await new MySqlCommand("ANALYZE TABLE messages", db).ExecuteNonQueryAsync();
        Console.WriteLine($"seeded {messages:N0} messages in conversation {conversationId} in {seeded.Elapsed.TotalSeconds:0} s");

        var ids = new MySqlCommand($"SELECT MIN(id), MAX(id) FROM messages WHERE conversation_id = {conversationId}", db);
        long min, max;
        await using (var reader = await ids.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (min, max) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        foreach (var (label, depth) in new[] { ("0% (latest)", 0.0), ("50%", 0.5), ("99%", 0.99) })
        {
            var before = depth == 0 ? (long?)null : max - (long)((max - min) * depth);
            var path = $"/friends/{bob.Id}/messages?limit=50" + (before is null ? "" : $"&before={before}");
            for (var i = 0; i < 20; i++)
                (await api.GetAsync(alice, path)).EnsureSuccessStatusCode();
            var latencies = new List<double>();
            for (var i = 0; i < Samples; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var response = await api.GetAsync(alice, path);
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            Console.WriteLine($"history page of 50 at depth {label,-12}: {Stats.Summary(latencies)}");
        }
        return 0;
    }
}
