using System.Net.Http.Headers;
using System.Text;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>Bad input of any kind is a 4xx problem+json, never a 500 or an empty answer.</summary>
public sealed class ProblemResponsesTests : TestBase
{
    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Test]
    public async Task Malformed_json_is_a_400_problem()
    {
        using var client = CreateClient();
        var response = await client.PostAsync("/auth/register", Json("""{ "username": "bob", """));

        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("JSON"));
        Assert.That(ErrorFields(problem), Is.Empty, "no field is to blame for broken syntax: " + problem);
    }

    [Test]
    public async Task A_wrong_json_type_is_a_400_problem_naming_the_field()
    {
        using var client = CreateClient();
        var response = await client.PostAsync("/auth/register",
            Json("""{ "username": 42, "email": "bob@example.com", "password": "password123" }"""));

        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.EqualTo(new[] { "username" }));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Not.Contain("System."), "no CLR type names leak");
    }

    [Test]
    public async Task A_missing_body_is_a_400_problem()
    {
        using var client = CreateClient();
        var response = await client.PostAsync("/auth/login", Json(""));

        await ReadProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        using var client = CreateClient();
        var response = await client.PostAsync("/auth/login", new StringContent("login=alice", Encoding.UTF8, "text/plain"));

        await ReadProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task A_body_over_one_mebibyte_is_a_413_problem(bool declaresLength)
    {
        var json = Encoding.UTF8.GetBytes($$"""{ "username": "bob", "email": "bob@example.com", "password": "{{new string('x', 1024 * 1024)}}" }""");
        HttpContent content = declaresLength ? new ByteArrayContent(json) : new StreamContent(new UnseekableStream(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var client = CreateClient();

        var response = await client.PostAsync("/auth/register", content);

        await ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await QuerySingleAsync<long>("SELECT COUNT(*) FROM users"), Is.Zero);
    }

    [Test]
    public async Task An_unknown_route_is_a_404_problem()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/no/such/route");

        await ReadProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_wrong_method_is_a_405_problem()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/auth/login");

        await ReadProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    /// <summary>No length to declare, so HttpClient sends the body chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
