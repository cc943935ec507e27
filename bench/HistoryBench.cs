using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MySqlConnector;

namespace Messenger.Bench;

/// <summary>
/// (a) One direct conversation of N messages (1,000,000 by default), then history pages through
/// the API at depths 0%, 50% and 99%: the latency must not grow with depth. Measured twice: plain
/// messages, then with replies and reactions added to the same rows, so the cost of reading
/// replyTo (a join) and reactions (one more query per page, with the attachments) shows side by side.
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
            UPDATE conversations SET version = {messages}, message_count = {messages} WHERE id = {conversationId}
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

        await MeasureAsync("plain");

        // Every fifth message answers one up to a thousand older; a third carry 👍 from both users
        // and a sixth ❤️ from alice too: per page of 50, 10 replies and 17 messages with reactions.
        seeded = Stopwatch.StartNew();
        await new MySqlCommand($"""
            UPDATE messages SET reply_to_id = id - 1 - id % 997 WHERE conversation_id = {conversationId} AND id % 5 = 0 AND id > {min + 1000};
            INSERT INTO message_reactions (message_id, emoji, user_id, version, emoji_version)
            SELECT id, '👍', {alice.Id}, version, version FROM messages WHERE conversation_id = {conversationId} AND id % 3 = 0;
            INSERT INTO message_reactions (message_id, emoji, user_id, version, emoji_version)
            SELECT id, '👍', {bob.Id}, version + 1, version FROM messages WHERE conversation_id = {conversationId} AND id % 3 = 0;
            INSERT INTO message_reactions (message_id, emoji, user_id, version, emoji_version)
            SELECT id, '❤️', {alice.Id}, version + 2, version + 2 FROM messages WHERE conversation_id = {conversationId} AND id % 6 = 0;
            ANALYZE TABLE messages, message_reactions;
            """, db) { CommandTimeout = 600 }.ExecuteNonQueryAsync();
        Console.WriteLine($"added replies and reactions in {seeded.Elapsed.TotalSeconds:0} s");
        var sample = JsonDocument.Parse(await (await api.GetAsync(alice, $"/friends/{bob.Id}/messages?limit=50")).Content.ReadAsStringAsync());
        var items = sample.RootElement.GetProperty("items").EnumerateArray().ToList();
        Console.WriteLine($"the latest page carries {items.Count(m => m.GetProperty("replyTo").ValueKind == JsonValueKind.Object)} replies and " +
                          $"{items.Count(m => m.GetProperty("reactions").GetArrayLength() > 0)} messages with reactions");
        await MeasureAsync("with replies and reactions");
        return 0;

        async Task MeasureAsync(string kind)
        {
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
                Console.WriteLine($"history page of 50, {kind}, at depth {label,-12}: {Stats.Summary(latencies)}");
            }
        }
    }
}
