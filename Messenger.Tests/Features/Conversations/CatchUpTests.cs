using System.Text.Json;
using Messenger.Features.Conversations.ListConversations;
using Messenger.Features.Messages;
using Messenger.Features.Messages.AddReaction;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.RemoveReaction;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Conversations;

/// <summary>The README's reconnect recipe, followed by a client that was away while everything it could miss happened.</summary>
public sealed class CatchUpTests : StorageTestBase
{
    [Test]
    public async Task A_client_that_was_offline_catches_up_to_exactly_the_state_of_one_that_never_left()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var carol = await RegisterAsync("carol");
        var general = await CreateRoomAsync(carol, "general");
        var other = await CreateRoomAsync(bob, "other");
        await SendAsync(new JoinRoom.Command(alice.User.Id, general.Id));
        await SendAsync(new JoinRoom.Command(bob.User.Id, general.Id));
        await SendAsync(new JoinRoom.Command(alice.User.Id, other.Id));
        using var bobHttp = CreateClient(bob.AccessToken);
        var file = await UploadAsync(bobHttp, RandomBytes(100));
        var withFile = await SendAsync(new SendRoomMessage.Command(bob.User.Id, general.Id, "a file", [file.Id], null));
        var hi = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "hi", null, null));
        await SendAsync(new SendRoomMessage.Command(alice.User.Id, other.Id, "hello other", null, null));

        using var aliceHttp = CreateClient(alice.AccessToken);
        await using var staying = await Replica.ConnectAsync(alice, aliceHttp);
        var leaving = await Replica.ConnectAsync(alice, aliceHttp);
        await staying.CatchUpAsync();
        await leaving.CatchUpAsync();
        var online = await SendAsync(new SendRoomMessage.Command(carol.User.Id, general.Id, "online", null, null));
        await SendAsync(new EditMessage.Command(bob.User.Id, hi.Id, "hi!"));
        await SendAsync(new AddReaction.Command(bob.User.Id, hi.Id, "👍"));
        await SendAsync(new AddReaction.Command(carol.User.Id, withFile.Id, "🎉"));
        await staying.WaitForServerVersionsAsync();
        await leaving.WaitForServerVersionsAsync();
        await leaving.DisposeAsync();

        var away = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "while you were away", null, null));
        var oops = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "oops", null, null));
        await SendAsync(new AddReaction.Command(bob.User.Id, oops.Id, "😬"));
        await SendAsync(new DeleteMessage.Command(bob.User.Id, oops.Id));
        await SendAsync(new EditMessage.Command(bob.User.Id, away.Id, "while you were away!"));
        await SendAsync(new AddReaction.Command(bob.User.Id, away.Id, "❤️"));
        // From another device of alice's: the away client learns of its own reaction only through since=.
        await SendAsync(new AddReaction.Command(alice.User.Id, away.Id, "👍"));
        await SendAsync(new RemoveReaction.Command(bob.User.Id, hi.Id, "👍"));
        var news = await SendAsync(new SendRoomMessage.Command(bob.User.Id, general.Id, "news", null, null));
        await SendAsync(new AddReaction.Command(carol.User.Id, news.Id, "👀"));
        await SendAsync(new AddReaction.Command(bob.User.Id, withFile.Id, "🎉"));
        await SendAsync(new RemoveReaction.Command(carol.User.Id, news.Id, "👀"));
        await SendAsync(new DeleteMessage.Command(carol.User.Id, online.Id));
        Assert.That((await bobHttp.DeleteAsync(file.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await SendAsync(new SendRoomMessage.Command(bob.User.Id, other.Id, "bye other", null, null));
        // Another device of alice's leaves a room: the away client learns it only from GET /conversations.
        Assert.That((await CreateClient(alice.AccessToken).PostAsync($"/rooms/{other.Id}/leave", null)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await staying.WaitForLeaveAsync(other.Id);
        await staying.WaitForServerVersionsAsync();

        await using var back = await Replica.ConnectAsync(alice, aliceHttp, leaving);
        await back.CatchUpAsync();

        var expected = staying.Snapshot();
        Assert.That(back.Snapshot(), Is.EqualTo(expected));
        await using var fresh = await Replica.ConnectAsync(alice, aliceHttp);
        await fresh.CatchUpAsync();
        Assert.That(fresh.Snapshot(), Is.EqualTo(expected), "the state of a client that never left is the server's own");
        Assert.That(expected.Any(s => s.Conversation == ConversationKey.Room(other.Id)), Is.False, "the room alice left is gone");
        var fileless = expected.Single(s => s.Id == withFile.Id);
        Assert.That((fileless.Body, fileless.AttachmentIds, fileless.Deleted), Is.EqualTo(("a file", "", false)));
        Assert.That(fileless.Reactions, Is.EqualTo($"🎉=2:{carol.User.Id},{bob.User.Id}"));
        Assert.That(expected.Single(s => s.Id == away.Id).Reactions, Is.EqualTo($"❤️=1:{bob.User.Id} 👍=1:{alice.User.Id}"));
        Assert.That(expected.Single(s => s.Id == hi.Id).Reactions, Is.EqualTo(""), "bob took his back");
        Assert.That(expected.Single(s => s.Id == news.Id).Reactions, Is.EqualTo(""));
        Assert.That(expected.Single(s => s.Id == oops.Id).Reactions, Is.EqualTo(""), "a tombstone has none");
        Assert.That(fileless.Version, Is.GreaterThan(withFile.Version), "the file's deletion changed it");
        Assert.That(expected.Single(s => s.Id == oops.Id).Deleted, Is.True);
        Assert.That(expected.Single(s => s.Id == online.Id).Deleted, Is.True);
        Assert.That(expected.Single(s => s.Id == away.Id).Body, Is.EqualTo("while you were away!"));
        Assert.That(expected.Single(s => s.Id == hi.Id).Body, Is.EqualTo("hi!"));
    }

    /// <summary>
    /// A client's copy of alice's conversations: message id → latest state, applied from events
    /// and from since= pages alike, each change only if its version is newer. Reactions are kept as
    /// "emoji=count:userId,userId ..." and changed by ReactionChanged the way a client would: a new
    /// emoji goes last, one whose count reaches 0 leaves, a user is added last or removed.
    /// </summary>
    private sealed class Replica : IAsyncDisposable
    {
        public sealed record State(long Id, ConversationKey Conversation, long Version, string Body, string AttachmentIds, bool Deleted,
            string Reactions);

        private readonly Dictionary<long, State> _messages = new();
        private readonly Dictionary<ConversationKey, long> _versions = new();
        private readonly HashSet<long> _left = new();
        private readonly long _me;
        private readonly HttpClient _http;
        private readonly HubConnection _connection;

        private Replica(long me, HttpClient http, HubConnection connection)
        {
            _me = me;
            _http = http;
            _connection = connection;
        }

        /// <summary>A connected client; <paramref name="before"/> is the state it kept from an earlier connection.</summary>
        public static async Task<Replica> ConnectAsync(Messenger.Features.Auth.AuthResponse user, HttpClient http, Replica? before = null)
        {
            var replica = new Replica(user.User.Id, http, HubClient.Build(user.AccessToken));
            if (before is not null)
            {
                foreach (var (id, state) in before._messages)
                    replica._messages[id] = state;
                foreach (var (key, version) in before._versions)
                    replica._versions[key] = version;
            }
            replica._connection.On<JsonElement>("MessageReceived", m => replica.Apply(m.Deserialize<Message>(JsonSerializerOptions.Web)!));
            replica._connection.On<JsonElement>("MessageEdited", m => replica.Apply(m.Deserialize<Message>(JsonSerializerOptions.Web)!));
            replica._connection.On<JsonElement>("MessageDeleted", e =>
            {
                var deleted = e.Deserialize<MessageDeletedEvent>(JsonSerializerOptions.Web)!;
                replica.Apply(new State(deleted.MessageId, ConversationKey.Of(deleted.RoomId, deleted.SenderId, deleted.RecipientId),
                    deleted.Version, "", "", Deleted: true, Reactions: ""));
            });
            replica._connection.On<JsonElement>("ReactionChanged", e => replica.Apply(e.Deserialize<ReactionChangedEvent>(JsonSerializerOptions.Web)!));
            replica._connection.On<JsonElement>("ParticipantLeft", e =>
            {
                var left = e.Deserialize<ParticipantLeftEvent>(JsonSerializerOptions.Web)!;
                if (left.UserId == replica._me)
                    replica.Forget(left.RoomId);
            });
            await replica._connection.StartAsync();
            // Room subscriptions are in place once a first call is answered (see HubClient).
            try
            {
                await replica._connection.InvokeAsync("NoSuchMethod");
            }
            catch (HubException)
            {
            }
            return replica;
        }

        /// <summary>
        /// The recipe: a room no longer among mine was left; for every other conversation, since=
        /// the highest version applied, page after page. (GET /conversations replaces the room
        /// list once it lands.) <paramref name="startingWith"/> are conversations first heard of now.
        /// </summary>
        /// <summary>The README's recipe: GET /conversations, since= for each one ahead of this copy, forget the rooms no longer listed.</summary>
        public async Task CatchUpAsync()
        {
            var listed = (await _http.GetFromJsonAsync<List<Conversation>>("/conversations?limit=100"))!.ToDictionary(
                c => c.RoomId is { } room ? ConversationKey.Room(room) : ConversationKey.Direct(_me, c.User!.Id), c => c.Version);
            foreach (var key in Known().Where(k => k.RoomId != 0 && !listed.ContainsKey(k)))
                Forget(key.RoomId);
            foreach (var (key, version) in listed.Where(l => l.Value > VersionOf(l.Key)))
            {
                var path = key.RoomId != 0 ? $"/rooms/{key.RoomId}/messages" : $"/friends/{(key.UserLow == _me ? key.UserHigh : key.UserLow)}/messages";
                MessagePage page;
                do
                {
                    // A small page, so the test also follows hasMore.
                    page = (await _http.GetFromJsonAsync<MessagePage>($"{path}?since={VersionOf(key)}&limit=2"))!;
                    foreach (var message in page.Items)
                        Apply(message);
                } while (page.HasMore);
            }
        }

        /// <summary>Waits until every conversation this client knows is at the server's version: every event has arrived.</summary>
        public async Task WaitForServerVersionsAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            foreach (var key in Known())
            {
                var server = await QuerySingleAsync<long>(key.RoomId != 0
                    ? "SELECT version FROM conversations WHERE room_id = @RoomId"
                    : "SELECT version FROM conversations WHERE user_low = @UserLow AND user_high = @UserHigh", key);
                while (VersionOf(key) < server)
                {
                    Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"events of {key} up to version {server} did not arrive");
                    await Task.Delay(20);
                }
            }
        }

        public async Task WaitForLeaveAsync(long roomId)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!HasLeft(roomId))
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"no ParticipantLeft for room {roomId}");
                await Task.Delay(20);
            }
        }

        public IReadOnlyList<State> Snapshot()
        {
            lock (_messages)
                return _messages.Values.OrderBy(s => s.Id).ToList();
        }

        private void Apply(Message message) =>
            Apply(new State(message.Id, ConversationKey.Of(message.RoomId, message.SenderId, message.RecipientId), message.Version, message.Body,
                string.Join(",", message.Attachments.Select(a => a.Id)), message.DeletedAt is not null,
                string.Join(" ", message.Reactions.Select(r => $"{r.Emoji}={r.Count}:{string.Join(",", r.UserIds)}"))));

        /// <summary>A reaction's event changes a message this copy holds: events come in version order, after the message's own.</summary>
        private void Apply(ReactionChangedEvent changed)
        {
            lock (_messages)
            {
                if (!_messages.TryGetValue(changed.MessageId, out var held) || held.Version >= changed.Version)
                    return;
                var reactions = held.Reactions.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(r => r.Split('=', ':'))
                    .Select(r => (Emoji: r[0], Count: long.Parse(r[1]), UserIds: r[2].Split(',').Select(long.Parse).ToList()))
                    .ToList();
                var index = reactions.FindIndex(r => r.Emoji == changed.Emoji);
                if (index < 0)
                {
                    reactions.Add((changed.Emoji, 0, []));
                    index = reactions.Count - 1;
                }
                var userIds = reactions[index].UserIds;
                if (!changed.Added)
                    userIds.Remove(changed.UserId);
                else if (userIds.Count < 50)
                    userIds.Add(changed.UserId);
                reactions[index] = (changed.Emoji, changed.Count, userIds);
                Apply(held with
                {
                    Version = changed.Version,
                    Reactions = string.Join(" ", reactions.Where(r => r.Count > 0).Select(r => $"{r.Emoji}={r.Count}:{string.Join(",", r.UserIds)}")),
                });
            }
        }

        private void Apply(State state)
        {
            lock (_messages)
            {
                if (state.Conversation.RoomId != 0 && _left.Contains(state.Conversation.RoomId))
                    return;
                if (!_messages.TryGetValue(state.Id, out var held) || held.Version < state.Version)
                    _messages[state.Id] = state;
                _versions[state.Conversation] = Math.Max(_versions.GetValueOrDefault(state.Conversation), state.Version);
            }
        }

        private void Forget(long roomId)
        {
            lock (_messages)
            {
                _left.Add(roomId);
                _versions.Remove(ConversationKey.Room(roomId));
                foreach (var id in _messages.Values.Where(s => s.Conversation.RoomId == roomId).Select(s => s.Id).ToList())
                    _messages.Remove(id);
            }
        }

        private bool HasLeft(long roomId)
        {
            lock (_messages)
                return _left.Contains(roomId);
        }

        private List<ConversationKey> Known()
        {
            lock (_messages)
                return _versions.Keys.ToList();
        }

        private long VersionOf(ConversationKey key)
        {
            lock (_messages)
                return _versions.GetValueOrDefault(key);
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}
