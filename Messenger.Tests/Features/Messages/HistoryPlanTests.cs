using Dapper;
using Messenger.Features.Messages;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

/// <summary>
/// A history page must cost the same at any depth: the plan has to be a short range read on the
/// clustered (conversation_id, id) key, whatever else the table holds.
/// </summary>
public sealed class HistoryPlanTests : TestBase
{
    [Test]
    public async Task History_pages_read_a_short_range_of_the_clustered_key_at_any_depth()
    {
        var (conversationId, ids) = await SeedTwoConversationsAsync();
        await using var db = new MySqlConnection(ConnectionString);

        foreach (var depth in new[] { ids[^1] + 1, ids[ids.Count / 2], ids[30] })
        {
            var older = await ExplainAsync(db, MessagesAccess.OlderSql, new { ConversationId = conversationId, Before = depth, Take = 51 });
            var newer = await ExplainAsync(db, MessagesAccess.NewerSql, new { ConversationId = conversationId, After = depth - 100, Take = 51 });
            foreach (var plan in new[] { older, newer })
            {
                Assert.That(plan.Key, Is.EqualTo("PRIMARY"), $"depth {depth}");
                Assert.That(plan.Type, Is.EqualTo("range"), $"depth {depth}");
                Assert.That(plan.Extra ?? "", Does.Not.Contain("filesort"), $"depth {depth}");
            }
        }
    }

    [Test]
    public async Task Changes_since_a_version_read_a_short_range_of_the_version_key_however_old_the_version()
    {
        var (conversationId, ids) = await SeedTwoConversationsAsync();
        await using var db = new MySqlConnection(ConnectionString);

        foreach (var since in new[] { 0, 1500, 2950 })
        {
            var plan = await ExplainAsync(db, MessagesAccess.SinceSql, new { ConversationId = conversationId, Since = since, Take = 51 });
            Assert.That(plan.Key, Is.EqualTo("ux_messages_version"), $"since {since}");
            Assert.That(plan.Type, Is.EqualTo("range"), $"since {since}");
            Assert.That(plan.Extra ?? "", Does.Not.Contain("filesort"), $"since {since}");
        }
    }

    /// <summary>3,000 messages in each of two conversations; the first one's id and message ids.</summary>
    private static async Task<(long ConversationId, IReadOnlyList<long> Ids)> SeedTwoConversationsAsync()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (carol, dave) = await FriendsAsync("carol", "dave");
        var ids = await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, 3000);
        await SeedDirectMessagesAsync(carol.User.Id, dave.User.Id, 3000);
        await using var db = new MySqlConnection(ConnectionString);
        await db.ExecuteAsync("ANALYZE TABLE messages");
        return (await db.ExecuteScalarAsync<long>("SELECT conversation_id FROM messages WHERE id = @Id", new { Id = ids[0] }), ids);
    }

    /// <summary>The plan of the page's read of <c>messages m</c>, once its join to the replied-to messages is a single-row lookup each.</summary>
    private static async Task<(string? Key, string? Type, string? Extra)> ExplainAsync(MySqlConnection db, string sql, object parameters)
    {
        var rows = (await db.QueryAsync("EXPLAIN " + sql, parameters)).Cast<IDictionary<string, object?>>().ToList();
        var replies = rows.Single(r => r["table"]?.ToString() == "rt");
        Assert.That((replies["type"]?.ToString(), replies["key"]?.ToString()), Is.EqualTo(("eq_ref", "ux_messages_id")), "replyTo by its id");
        var row = rows.Single(r => r["table"]?.ToString() == "m");
        return (row["key"]?.ToString(), row["type"]?.ToString(), row["Extra"]?.ToString());
    }
}
