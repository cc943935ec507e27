using System.Text;
using MySqlConnector;

namespace Messenger.Bench;

/// <summary>
/// A user's inbox seeded straight into the tables: <paramref name="friends"/> friends with their direct
/// conversations, then <paramref name="rooms"/> public rooms of the user's, each with the user and the first
/// five friends in it. Conversations come in that order, each with the friend who writes in it.
/// </summary>
public static class InboxSeed
{
    public sealed record Conversation(long Id, long Other, long? RoomId);

    public static async Task<IReadOnlyList<Conversation>> SeedAsync(MySqlConnection db, long me, string prefix, int friends, int rooms)
    {
        async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await new MySqlCommand(sql, db).ExecuteScalarAsync());
        async Task RunSqlAsync(string sql) => await new MySqlCommand(sql, db).ExecuteNonQueryAsync();

        var users = new StringBuilder("INSERT INTO users (username, email, password_hash, display_name, created_at) VALUES ");
        for (var i = 0; i < friends; i++)
            users.Append(i == 0 ? "" : ",").Append($"('{prefix}_{i}','{prefix}_{i}@bench.example','x','Friend {i}',UTC_TIMESTAMP(3))");
        await RunSqlAsync(users.ToString());
        var firstFriend = await ScalarAsync($"SELECT MIN(id) FROM users WHERE username LIKE '{prefix}\\_%'");
        var friendIds = Enumerable.Range(0, friends).Select(i => firstFriend + i).ToList();

        await RunSqlAsync("INSERT INTO friend_requests (from_user_id, to_user_id, status, created_at, responded_at) VALUES " +
                          string.Join(",", friendIds.Select(f => $"({me},{f},'accepted',UTC_TIMESTAMP(3),UTC_TIMESTAMP(3))")));
        await RunSqlAsync("INSERT INTO conversations (user_low, user_high) VALUES " +
                          string.Join(",", friendIds.Select(f => $"({Math.Min(me, f)},{Math.Max(me, f)})")));
        await RunSqlAsync("INSERT INTO rooms (name, is_private, owner_id, created_at) VALUES " +
                          string.Join(",", Enumerable.Range(0, rooms).Select(i => $"('{prefix} room {i}',0,{me},UTC_TIMESTAMP(3))")));
        var firstRoom = await ScalarAsync($"SELECT MIN(id) FROM rooms WHERE name LIKE '{prefix} room %'");
        var roomIds = Enumerable.Range(0, rooms).Select(i => firstRoom + i).ToList();
        await RunSqlAsync("INSERT INTO conversations (room_id) VALUES " + string.Join(",", roomIds.Select(r => $"({r})")));
        // Me and five friends in every room.
        await RunSqlAsync("INSERT INTO room_participants (room_id, user_id, joined_at) VALUES " + string.Join(",",
            roomIds.SelectMany(r => new[] { me }.Concat(friendIds.Take(5)).Select(u => $"({r},{u},UTC_TIMESTAMP(3) - INTERVAL 1 DAY)"))));

        var conversations = new List<Conversation>();
        foreach (var friend in friendIds)
            conversations.Add(new Conversation(
                await ScalarAsync($"SELECT id FROM conversations WHERE user_low = {Math.Min(me, friend)} AND user_high = {Math.Max(me, friend)}"),
                friend, null));
        for (var i = 0; i < rooms; i++)
            conversations.Add(new Conversation(await ScalarAsync($"SELECT id FROM conversations WHERE room_id = {roomIds[i]}"),
                friendIds[i % 5], roomIds[i]));
        return conversations;
    }
}
