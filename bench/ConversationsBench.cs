using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using MySqlConnector;

namespace Messenger.Bench;

/// <summary>
/// (a) GET /conversations for a user in 200 conversations (100 rooms, 100 direct) over a table of
/// N messages (1,000,000 by default): each conversation seeded straight into the tables with
/// consistent seq, versions, counts and markers, an unread backlog and a few deletions on both
/// sides of the marker. (b) since= catch-up in the largest conversation: 1,000 messages at 0%,
/// 50% and 99% depth change (as edits would), and a client that last saw the version before
/// them fetches the first page of 100 and the whole 1,000.
/// </summary>
public static class ConversationsBench
{
    private const int Samples = 300;
    private const int Batch = 5000;
    private const int Rooms = 100;
    private const int Friends = 100;
    private const int Gap = 1000;

    public static async Task<int> RunAsync(string baseUrl, string connectionString, int messages)
    {
        var api = new Api(baseUrl);
        var tag = Random.Shared.Next(1_000_000);
        var me = await api.RegisterAsync($"inbox{tag}");

        var seeded = Stopwatch.StartNew();
        await using var db = new MySqlConnection(connectionString + ";AllowUserVariables=true");
        await db.OpenAsync();
        async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await new MySqlCommand(sql, db).ExecuteScalarAsync());
        async Task RunSqlAsync(string sql) => await new MySqlCommand(sql, db).ExecuteNonQueryAsync();

        // The others: friends for the direct conversations, and the members who write in the rooms;
        // the first conversation is the big one for since=.
        var conversations = await InboxSeed.SeedAsync(db, me.Id, $"inbox{tag}", Friends, Rooms);
        var big = messages / 5;
        var perOther = (messages - big) / (conversations.Count - 1);

        var random = new Random(tag);
        var started = DateTime.UtcNow.AddDays(-1);
        for (var c = 0; c < conversations.Count; c++)
        {
            var (id, other, room) = conversations[c];
            var count = c == 0 ? big : perOther;
            for (var done = 0; done < count; done += Batch)
            {
                var sql = new StringBuilder("INSERT INTO messages (conversation_id, room_id, sender_id, recipient_id, body, created_at, version, seq) VALUES ");
                for (var i = done; i < Math.Min(done + Batch, count); i++)
                {
                    var mine = i % 3 == 0 && i < count - 60;
                    var (from, to) = mine ? (me.Id, other) : (other, me.Id);
                    var at = started.AddMilliseconds(c * 7 + (long)i * 10).ToString("yyyy-MM-dd HH:mm:ss.fff");
                    sql.Append(i == done ? "" : ",").Append(
                        $"({id},{room?.ToString() ?? "NULL"},{from},{(room is null ? to.ToString() : "NULL")}," +
                        $"'seeded message {i} with some ordinary text in it','{at}',{i + 1},{i + 1})");
                }
                await RunSqlAsync(sql.ToString());
            }
            // An unread backlog of 0-59 messages from the others; my marker just before it.
            var unread = random.Next(60);
            await RunSqlAsync($"""
                UPDATE conversations SET version = {count}, message_count = {count} WHERE id = {id};
                INSERT INTO conversation_reads (user_id, conversation_id, message_id, seq)
                SELECT {me.Id}, {id}, id, seq FROM messages WHERE conversation_id = {id} AND seq = {count - unread};
                INSERT INTO conversation_reads (user_id, conversation_id, message_id, seq)
                SELECT {other}, {id}, id, seq FROM messages WHERE conversation_id = {id} AND seq = {count};
                """);
            // A few deletions, before and after my marker, each a change of its own.
            var version = (long)count;
            foreach (var seq in new[] { count / 2, count / 3, count - unread / 2, count - unread / 3 }.Distinct().Where(s => s >= 1))
                await RunSqlAsync($"UPDATE messages SET deleted_at = UTC_TIMESTAMP(3), body = '', version = {++version} WHERE conversation_id = {id} AND seq = {seq};" +
                                  $"UPDATE conversations SET version = {version} WHERE id = {id}");
        }
        await RunSqlAsync("ANALYZE TABLE messages, conversations, conversation_reads, room_participants");
        Console.WriteLine($"seeded {await ScalarAsync("SELECT COUNT(*) FROM messages"):N0} messages, user {me.Id} in {conversations.Count} conversations " +
                          $"(the largest {big:N0} messages), in {seeded.Elapsed.TotalSeconds:0} s");

        foreach (var (label, path) in new[] { ("first page, limit=50", "/conversations"), ("all 200, limit=100 x2", "") })
        {
            var latencies = new List<double>();
            for (var i = 0; i < Samples + 20; i++)
            {
                var begun = Stopwatch.GetTimestamp();
                if (path != "")
                    await GetAsync(api, me, path);
                else
                {
                    var page = await GetAsync(api, me, "/conversations?limit=100");
                    var last = page[^1];
                    await GetAsync(api, me, $"/conversations?limit=100&before={Uri.EscapeDataString(Cursor(last))}");
                }
                if (i >= 20)
                    latencies.Add(Stopwatch.GetElapsedTime(begun).TotalMilliseconds);
            }
            Console.WriteLine($"GET /conversations, {label,-22}: {Stats.Summary(latencies)}");
        }

        var (bigId, bigOther, _) = conversations[0];
        foreach (var (label, depth) in new[] { ("0% (latest)", 0.0), ("50%", 0.5), ("99%", 0.99) })
        {
            // 1,000 messages at this depth change, taking the next versions, as 1,000 edits would.
            var since = await ScalarAsync($"SELECT version FROM conversations WHERE id = {bigId}");
            var from = (long)((big - Gap) * (1 - depth)) + 1;
            await RunSqlAsync($"""
                SET @v = {since};
                UPDATE messages SET version = (@v := @v + 1), edited_at = UTC_TIMESTAMP(3)
                WHERE conversation_id = {bigId} AND seq >= {from} AND seq < {from + Gap} ORDER BY seq;
                UPDATE conversations SET version = {since + Gap} WHERE id = {bigId};
                """);
            var firstPage = new List<double>();
            var whole = new List<double>();
            for (var i = 0; i < Samples / 3 + 10; i++)
            {
                var begun = Stopwatch.GetTimestamp();
                var (count, version) = await SinceAsync(api, me, bigOther, since);
                var pageTime = Stopwatch.GetElapsedTime(begun).TotalMilliseconds;
                var total = count;
                while (total < Gap)
                {
                    (count, version) = await SinceAsync(api, me, bigOther, version);
                    total += count;
                }
                if (total != Gap)
                    throw new InvalidOperationException($"since={since} returned {total} changes, not {Gap}");
                if (i >= 10)
                {
                    firstPage.Add(pageTime);
                    whole.Add(Stopwatch.GetElapsedTime(begun).TotalMilliseconds);
                }
            }
            Console.WriteLine($"since= at depth {label,-11}: first page of 100 {Stats.Summary(firstPage)}");
            Console.WriteLine($"since= at depth {label,-11}: all {Gap:N0} changes     {Stats.Summary(whole)}");
        }
        return 0;
    }

    private sealed record Conversation(long? RoomId, Friend? User, DateTime LastActivityAt, long UnreadCount);
    private sealed record Friend(long Id);
    private sealed record Change(long Version);
    private sealed record Page(List<Change> Items, bool HasMore);

    private static string Cursor(Conversation c) =>
        $"{c.LastActivityAt:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}|" + (c.RoomId is { } room ? $"room:{room}" : $"user:{c.User!.Id}");

    private static async Task<List<Conversation>> GetAsync(Api api, Api.User me, string path)
    {
        var response = await api.GetAsync(me, path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<Conversation>>())!;
    }

    /// <summary>One since= page of 100; returns how many changes it held and the highest version among them.</summary>
    private static async Task<(int Count, long Version)> SinceAsync(Api api, Api.User me, long friend, long since)
    {
        var response = await api.GetAsync(me, $"/friends/{friend}/messages?since={since}&limit=100");
        response.EnsureSuccessStatusCode();
        var page = (await response.Content.ReadFromJsonAsync<Page>())!;
        return (page.Items.Count, page.Items.Count == 0 ? since : page.Items[^1].Version);
    }
}
