using Dapper;
using Messenger.Features.Conversations.ListConversations;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.SendRoomMessage;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Conversations;

/// <summary>
/// The inbox must cost what the user's conversations cost, not what they hold: every read of
/// messages (the latest message, the deleted ones after my marker) goes through an index.
/// </summary>
public sealed class ListConversationsPlanTests : TestBase
{
    [Test]
    public async Task The_inbox_reads_messages_only_through_indexes_never_a_full_scan()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (carol, dave) = await FriendsAsync("carol", "dave");
        var ids = await SeedDirectMessagesAsync(bob.User.Id, alice.User.Id, 3000);
        await SeedDirectMessagesAsync(carol.User.Id, dave.User.Id, 3000);
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "hi", null, null));
        await SendAsync(new DeleteMessage.Command(bob.User.Id, ids[100]));
        await using var db = new MySqlConnection(ConnectionString);
        await db.ExecuteAsync("ANALYZE TABLE messages, conversations, conversation_reads, room_participants");

        foreach (var before in new[] { (DateTime?)null, DateTime.UtcNow.AddDays(1) })
        {
            var plan = (await db.QueryAsync("EXPLAIN " + ListConversations.Handler.PageSql, new
            {
                UserId = alice.User.Id, Limit = 50, BeforeAt = before, BeforeIsRoom = 0, BeforeKey = 0,
            })).Cast<IDictionary<string, object?>>().ToList();

            // lm and l: the latest message; s: my own and the other user's last message; ml: where mine sits; m, rt: the
            // latest message and what it replies to, as history shows it; d: the deleted ones after my marker.
            var messageReads = plan.Where(r => r["table"]?.ToString() is "lm" or "l" or "s" or "ml" or "m" or "rt" or "d").ToList();
            Assert.That(messageReads.Select(r => r["table"]), Is.EquivalentTo(new[] { "lm", "l", "s", "s", "ml", "m", "rt", "d" }));
            foreach (var row in messageReads.Concat(plan.Where(r => r["table"]?.ToString() is "c" or "me" or "o")))
            {
                Assert.That(row["type"]?.ToString(), Is.Not.EqualTo("ALL"), $"{row["table"]}: {string.Join(", ", row.Select(kv => $"{kv.Key}={kv.Value}"))}");
                Assert.That(row["key"], Is.Not.Null, $"{row["table"]} uses an index");
            }
            // Entered by the conversation and is_deleted both, so it reads only the deleted messages, not the whole conversation.
            var deleted = messageReads.Single(r => r["table"]?.ToString() == "d");
            Assert.That(deleted["key"]?.ToString(), Is.EqualTo("ix_messages_deleted"));
            Assert.That(deleted["ref"]?.ToString(), Does.EndWith(",const"));
            // Entered by the conversation and the sender both: one dive, however many messages either user sent.
            Assert.That(messageReads.Where(r => r["table"]?.ToString() == "s").Select(r => r["key"]?.ToString()),
                Is.All.EqualTo("ix_messages_sender"));
        }
    }
}
