using System.Text.Json;
using Messenger.Features.Friends.RemoveFriend;
using Messenger.Features.Messages;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.SearchMessages;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Rooms.InviteToRoom;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.LeaveRoom;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Messages;

public sealed class SearchMessagesTests : TestBase
{
    private static Task<SearchMessages.SearchPage> SearchAsync(long userId, string text, long? roomId = null, long? userIdFilter = null,
        long? before = null, int limit = 50) =>
        SendAsync(new SearchMessages.Query(userId, text, roomId, userIdFilter, before, limit));

    private static async Task<long[]> FoundAsync(long userId, string text) => (await SearchAsync(userId, text)).Items.Select(m => m.Id).ToArray();

    [Test]
    public async Task Every_word_must_start_a_word_of_the_body_ignoring_case_and_accents()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        Task<Message> SendFromAlice(string body) => SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, body, null, null));
        var cafe = await SendFromAlice("Café crème tonight?");
        var pizza = await SendFromAlice("PIZZA tonight, at Luigi's");
        var naive = await SendFromAlice("a naïve résumé");

        Assert.That(await FoundAsync(bob.User.Id, "cafe"), Is.EqualTo(new[] { cafe.Id }), "accents ignored");
        Assert.That(await FoundAsync(bob.User.Id, "CRÈME"), Is.EqualTo(new[] { cafe.Id }), "case ignored");
        Assert.That(await FoundAsync(bob.User.Id, "tonig"), Is.EqualTo(new[] { pizza.Id, cafe.Id }), "a prefix, newest first");
        Assert.That(await FoundAsync(bob.User.Id, "pizza tonight"), Is.EqualTo(new[] { pizza.Id }), "every word");
        Assert.That(await FoundAsync(bob.User.Id, "pizza crème"), Is.Empty, "no message has both");
        Assert.That(await FoundAsync(bob.User.Id, "izza"), Is.Empty, "the start of a word, not the middle");
        Assert.That(await FoundAsync(bob.User.Id, "naive resume"), Is.EqualTo(new[] { naive.Id }));
        Assert.That(await FoundAsync(bob.User.Id, "luigi"), Is.EqualTo(new[] { pizza.Id }), "an apostrophe separates words");
    }

    [Test]
    public async Task Short_words_stop_words_and_operators_in_the_query_are_ignored()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var sent = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "ok, the pizza is here", null, null));
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "pasta", null, null));

        Assert.That(await FoundAsync(bob.User.Id, "ok the pizza"), Is.EqualTo(new[] { sent.Id }));
        Assert.That(await FoundAsync(bob.User.Id, "\"+pizza\" -here* (~<>@)"), Is.EqualTo(new[] { sent.Id }),
            "operators are separators: both words are still required");
        Assert.That(await FoundAsync(bob.User.Id, "pizza -pasta"), Is.Empty, "- does not exclude: pasta is required too");
    }

    [Test]
    public async Task A_word_longer_than_the_index_holds_matches_nothing_rather_than_being_dropped()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "pizza " + new string('p', 90), null, null));

        Assert.That(await FoundAsync(bob.User.Id, "pizza"), Has.Length.EqualTo(1));
        Assert.That(await FoundAsync(bob.User.Id, "pizza " + new string('p', SearchMessages.Words.MaxLength + 1)), Is.Empty);
    }

    [Test]
    public async Task Deleted_messages_never_match()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var kept = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "secret plan one", null, null));
        var deleted = await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "secret plan two", null, null));

        await SendAsync(new DeleteMessage.Command(alice.User.Id, deleted.Id));

        Assert.That(await FoundAsync(alice.User.Id, "secret"), Is.EqualTo(new[] { kept.Id }));
    }

    [Test]
    public async Task Only_conversations_I_can_read_now_are_searched()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (carol, dave) = await FriendsAsync("carol", "dave");
        var joined = await CreateRoomAsync(carol, "Joined");
        var left = await CreateRoomAsync(carol, "Left");
        var never = await CreateRoomAsync(carol, "Never");
        await SendAsync(new JoinRoom.Command(alice.User.Id, joined.Id));
        await SendAsync(new JoinRoom.Command(alice.User.Id, left.Id));
        var inJoined = await SendAsync(new SendRoomMessage.Command(carol.User.Id, joined.Id, "marmalade in joined", null, null));
        await SendAsync(new SendRoomMessage.Command(carol.User.Id, left.Id, "marmalade in left", null, null));
        await SendAsync(new SendRoomMessage.Command(carol.User.Id, never.Id, "marmalade in never", null, null));
        await SendAsync(new SendDirectMessage.Command(carol.User.Id, dave.User.Id, "marmalade between others", null, null));
        var direct = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "marmalade for alice", null, null));

        await SendAsync(new LeaveRoom.Command(alice.User.Id, left.Id));
        await SendAsync(new RemoveFriend.Command(alice.User.Id, bob.User.Id));

        Assert.That(await FoundAsync(alice.User.Id, "marmalade"), Is.EqualTo(new[] { direct.Id, inJoined.Id }),
            "the room I am in and my direct conversation (unfriended, still mine); not a room I left, nor others'");
    }

    [Test]
    public async Task Room_and_user_narrow_to_one_conversation()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var room = await CreateRoomAsync(alice, "General");
        var inRoom = await SendAsync(new SendRoomMessage.Command(alice.User.Id, room.Id, "quarterly numbers", null, null));
        var direct = await SendAsync(new SendDirectMessage.Command(bob.User.Id, alice.User.Id, "quarterly review", null, null));

        Assert.That((await SearchAsync(alice.User.Id, "quarterly", roomId: room.Id)).Items.Select(m => m.Id), Is.EqualTo(new[] { inRoom.Id }));
        Assert.That((await SearchAsync(alice.User.Id, "quarterly", userIdFilter: bob.User.Id)).Items.Select(m => m.Id), Is.EqualTo(new[] { direct.Id }));
        var stranger = await RegisterAsync("stranger");
        Assert.That((await SearchAsync(alice.User.Id, "quarterly", userIdFilter: stranger.User.Id)).Items, Is.Empty, "no conversation yet");
    }

    [Test]
    public async Task Http_a_room_I_cannot_search_is_403_when_I_can_see_it_and_404_when_I_cannot()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var publicRoom = await CreateRoomAsync(alice, "Public");
        var invitedTo = await CreateRoomAsync(alice, "Invited", isPrivate: true);
        var hidden = await CreateRoomAsync(alice, "Hidden", isPrivate: true);
        await SendAsync(new InviteToRoom.Command(alice.User.Id, invitedTo.Id, bob.User.Id));
        using var client = CreateClient(bob.AccessToken);

        await ReadProblemAsync(await client.GetAsync($"/messages/search?query=hello&roomId={publicRoom.Id}"), HttpStatusCode.Forbidden);
        await ReadProblemAsync(await client.GetAsync($"/messages/search?query=hello&roomId={invitedTo.Id}"), HttpStatusCode.Forbidden);
        await ReadProblemAsync(await client.GetAsync($"/messages/search?query=hello&roomId={hidden.Id}"), HttpStatusCode.NotFound);
        await ReadProblemAsync(await client.GetAsync("/messages/search?query=hello&roomId=999999999"), HttpStatusCode.NotFound);
        await ReadProblemAsync(await client.GetAsync("/messages/search?query=hello&userId=999999999"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Http_pages_newest_first_with_before()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var ids = await SeedDirectMessagesAsync(alice.User.Id, bob.User.Id, 7);
        using var client = CreateClient(bob.AccessToken);
        var newestFirst = ids.Reverse().ToArray();

        var seen = new List<long>();
        long? before = null;
        var pages = 0;
        while (true)
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/messages/search?query=seed&limit=3{(before is null ? "" : $"&before={before}")}");
            var items = page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).ToArray();
            seen.AddRange(items);
            pages++;
            if (!page.GetProperty("hasMore").GetBoolean())
                break;
            before = items[^1];
        }

        Assert.That(seen, Is.EqualTo(newestFirst));
        Assert.That(pages, Is.EqualTo(3));
    }

    [Test]
    public async Task Http_an_item_is_the_message_as_history_shows_it()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "compare me", null, "client-1"));
        using var client = CreateClient(bob.AccessToken);

        var found = await client.GetFromJsonAsync<JsonElement>("/messages/search?query=compare");
        var history = await client.GetFromJsonAsync<JsonElement>($"/friends/{alice.User.Id}/messages");

        Assert.That(found.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "items", "hasMore" }));
        Assert.That(found.GetProperty("items")[0].GetRawText(), Is.EqualTo(history.GetProperty("items")[0].GetRawText()));
    }

    [TestCase("", TestName = "Http_an_empty_query_is_a_400_naming_query")]
    [TestCase("   ", TestName = "Http_a_blank_query_is_a_400_naming_query")]
    [TestCase("the", TestName = "Http_a_query_of_a_stop_word_is_a_400_naming_query")]
    [TestCase("ok hi a", TestName = "Http_a_query_of_short_words_is_a_400_naming_query")]
    [TestCase("+-*\"()~<>@", TestName = "Http_a_query_of_operators_is_a_400_naming_query")]
    public async Task Http_a_query_without_a_word_to_search_for_is_a_400_naming_query(string query)
    {
        using var client = CreateClient((await RegisterAsync("alice")).AccessToken);

        var response = await client.GetAsync($"/messages/search?query={Uri.EscapeDataString(query)}");

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "query" }));
    }

    [Test]
    public async Task Http_a_query_over_100_characters_and_a_missing_one_are_400_naming_query()
    {
        using var client = CreateClient((await RegisterAsync("alice")).AccessToken);

        var tooLong = await client.GetAsync($"/messages/search?query={new string('x', 101)}");
        var missing = await client.GetAsync("/messages/search");
        var longest = await client.GetAsync($"/messages/search?query={new string('x', 100)}");

        Assert.That(ErrorFields(await ReadProblemAsync(tooLong, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "query" }));
        Assert.That(ErrorFields(await ReadProblemAsync(missing, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "query" }));
        Assert.That(longest.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("limit=0", "limit")]
    [TestCase("limit=101", "limit")]
    [TestCase("limit=abc", "limit")]
    [TestCase("before=0", "before")]
    [TestCase("roomId=1&userId=2", "userId")]
    public async Task Http_bad_paging_or_filters_are_a_400_naming_the_field(string parameters, string field)
    {
        using var client = CreateClient((await RegisterAsync("alice")).AccessToken);

        var response = await client.GetAsync($"/messages/search?query=hello&{parameters}");

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { field }));
    }

    [Test]
    public async Task Http_searching_my_conversation_with_myself_is_a_400_naming_userId()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);

        var response = await client.GetAsync($"/messages/search?query=hello&userId={alice.User.Id}");

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "userId" }));
    }

    [Test]
    public async Task Http_without_a_token_is_a_401_problem() =>
        await ReadProblemAsync(await CreateClient().GetAsync("/messages/search?query=hello"), HttpStatusCode.Unauthorized);

    [Test]
    public async Task Past_the_search_rate_limit_searching_is_429_with_retry_after()
    {
        using var client = CreateClient((await RegisterAsync("alice")).AccessToken);

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Search>(() => client.GetAsync("/messages/search?query=hello"));
    }
}
