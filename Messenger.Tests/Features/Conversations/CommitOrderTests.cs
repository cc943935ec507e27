using Dapper;
using Messenger.Features.Messages;
using Messenger.Features.Messages.ListDirectMessages;
using Messenger.Features.Messages.SendDirectMessage;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Conversations;

/// <summary>
/// since=V must never miss a change, including one whose transaction began before the client
/// asked and committed after. Versions are taken under the conversation row's lock, held to
/// commit, so a change that commits later always carries a higher version than anything a reader
/// has seen.
/// </summary>
public sealed class CommitOrderTests : TestBase
{
    [Test]
    public async Task A_change_held_open_while_another_waits_and_a_client_reads_is_never_missed()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var first = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "first", null, null));
        var seen = first.Version;

        // A change in flight, at the point where it is most exposed: version taken, row written, not committed.
        await using var held = new MySqlConnection(ConnectionString);
        await held.OpenAsync();
        await using var transaction = await held.BeginTransactionAsync();
        await held.ExecuteAsync("""
            UPDATE conversations SET version = version + 1, message_count = message_count + 1 WHERE user_low = LEAST(@A, @B) AND user_high = GREATEST(@A, @B);
            INSERT INTO messages (conversation_id, sender_id, recipient_id, body, created_at, version, seq)
            SELECT id, @B, @A, 'held', UTC_TIMESTAMP(3), version, message_count FROM conversations WHERE user_low = LEAST(@A, @B) AND user_high = GREATEST(@A, @B);
            """, new { A = alice.User.Id, B = bob.User.Id }, transaction);
        var waiting = SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "second", null, null));
        await Task.Delay(300);

        var during = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, seen, 50));
        Assert.That(waiting.IsCompleted, Is.False, "the second change waits for the first one's lock");
        Assert.That(during.Items, Is.Empty, "nothing committed since the client's version");
        seen = Math.Max(seen, during.Version);

        await transaction.CommitAsync();
        var second = await waiting;
        var after = await SendAsync(new ListDirectMessages.Query(bob.User.Id, alice.User.Id, null, null, seen, 50));

        Assert.That(after.Items.Select(m => m.Body), Is.EqualTo(new[] { "held", "second" }), "both changes, in commit order");
        Assert.That(after.Items.Select(m => m.Version), Is.EqualTo(new[] { first.Version + 1, second.Version }));
        Assert.That(second.Version, Is.EqualTo(first.Version + 2));
    }
}
