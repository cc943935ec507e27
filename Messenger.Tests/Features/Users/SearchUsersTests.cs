using System.Text.Json;
using Messenger.Features.Users.SearchUsers;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class SearchUsersTests : TestBase
{
    // A searcher no one can have blocked, for the tests that are not about blocking.
    private const long Searcher = 0;

    [Test]
    public async Task Matches_a_username_prefix_ignoring_case_ordered_by_username()
    {
        await RegisterAsync("alice");
        await RegisterAsync("Alfred");
        await RegisterAsync("bob");
        await RegisterAsync("malice");

        var found = await SendAsync(new SearchUsers.Query(Searcher, "AL", 50));

        Assert.That(found.Select(u => u.Username), Is.EqualTo(new[] { "Alfred", "alice" }), "a prefix, not a substring: no malice");
    }

    [Test]
    public async Task Matches_a_display_name_prefix_too()
    {
        await RegisterAsync("zed", "Alpha Zed");
        await RegisterAsync("alice");
        await RegisterAsync("bob", "Bob Alpha");

        var found = await SendAsync(new SearchUsers.Query(Searcher, "alp", 50));

        Assert.That(found.Select(u => u.Username), Is.EqualTo(new[] { "zed" }));
        var summary = found.Single();
        Assert.That(summary.DisplayName, Is.EqualTo("Alpha Zed"));
        Assert.That(summary.AvatarUrl, Is.Null);
    }

    [Test]
    public async Task A_user_matching_by_username_and_display_name_is_listed_once()
    {
        await RegisterAsync("alice", "Alice");

        var found = await SendAsync(new SearchUsers.Query(Searcher, "ali", 50));

        Assert.That(found, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task The_limit_keeps_the_first_by_username()
    {
        await RegisterAsync("user_c");
        await RegisterAsync("user_a");
        await RegisterAsync("user_b");

        var found = await SendAsync(new SearchUsers.Query(Searcher, "user", 2));

        Assert.That(found.Select(u => u.Username), Is.EqualTo(new[] { "user_a", "user_b" }));
    }

    [Test]
    public async Task Without_a_limit_at_most_50_come_back()
    {
        for (var i = 0; i < 51; i++)
            await RegisterAsync($"member{i:00}");
        using var client = CreateClient((await RegisterAsync("searcher")).AccessToken);

        var found = await client.GetFromJsonAsync<JsonElement[]>("/users?query=member");

        Assert.That(found, Has.Length.EqualTo(50));
        Assert.That(found![0].GetProperty("username").GetString(), Is.EqualTo("member00"));
    }

    [TestCase("%")]
    [TestCase("_")]
    [TestCase("a%")]
    public async Task Like_wildcards_in_the_query_are_literal(string query)
    {
        await RegisterAsync("alice");
        await RegisterAsync("abc");

        var found = await SendAsync(new SearchUsers.Query(Searcher, query, 50));

        Assert.That(found, Is.Empty);
    }

    [Test]
    public async Task Wildcard_and_backslash_characters_match_themselves()
    {
        await RegisterAsync("a_b");
        await RegisterAsync("axb");
        await RegisterAsync("percent", "100% real");
        await RegisterAsync("hundred", "1000 real");
        await RegisterAsync("slash", @"back\slash");

        Assert.That((await SendAsync(new SearchUsers.Query(Searcher, "a_", 50))).Select(u => u.Username), Is.EqualTo(new[] { "a_b" }));
        Assert.That((await SendAsync(new SearchUsers.Query(Searcher, "100%", 50))).Select(u => u.Username), Is.EqualTo(new[] { "percent" }));
        Assert.That((await SendAsync(new SearchUsers.Query(Searcher, @"back\", 50))).Select(u => u.Username), Is.EqualTo(new[] { "slash" }));
    }

    [TestCase("0")]
    [TestCase("101")]
    [TestCase("-1")]
    [TestCase("abc")]
    [TestCase("99999999999")]
    public async Task Http_a_limit_out_of_range_or_not_a_number_is_a_400_naming_limit(string limit)
    {
        using var client = CreateClient((await RegisterAsync("alice")).AccessToken);

        var response = await client.GetAsync($"/users?query=al&limit={limit}");

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "limit" }));
    }

    [TestCase("/users")]
    [TestCase("/users?query=")]
    [TestCase("/users?limit=10")]
    public async Task Http_a_missing_query_is_a_400_naming_query(string path)
    {
        using var client = CreateClient((await RegisterAsync("alice")).AccessToken);

        var response = await client.GetAsync(path);

        Assert.That(ErrorFields(await ReadProblemAsync(response, HttpStatusCode.BadRequest)), Is.EqualTo(new[] { "query" }));
    }

    [Test]
    public async Task Http_answers_user_summaries()
    {
        var alice = await RegisterAsync("alice", "Alice A.");
        using var client = CreateClient(alice.AccessToken);

        var response = await client.GetAsync("/users?query=ali&limit=1");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var summary = (await response.Content.ReadFromJsonAsync<JsonElement[]>())!.Single();
        Assert.That(summary.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "id", "username", "displayName", "avatarUrl" }));
        Assert.That(summary.GetProperty("id").GetInt64(), Is.EqualTo(alice.User.Id));
        Assert.That(summary.GetProperty("displayName").GetString(), Is.EqualTo("Alice A."));
    }

    [Test]
    public async Task Http_without_a_token_is_a_401_problem()
    {
        using var client = CreateClient();

        await ReadProblemAsync(await client.GetAsync("/users?query=al"), HttpStatusCode.Unauthorized);
    }
}
