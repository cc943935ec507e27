using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Messenger.Infrastructure.Errors;
using MySqlConnector;
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

    [Test]
    public async Task A_request_line_over_kestrels_limit_is_a_414_problem()
    {
        using var client = CreateClient();

        var response = await client.GetAsync("/users?query=" + new string('q', 9 * 1024));

        var problem = await ReadProblemAsync(response, HttpStatusCode.RequestUriTooLong);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("request line"));
    }

    [Test]
    public async Task Request_headers_over_kestrels_limit_are_a_431_problem()
    {
        using var client = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("X-Padding", new string('h', 40 * 1024));

        var response = await client.SendAsync(request);

        await ReadProblemAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Test]
    public async Task A_malformed_request_is_a_400_problem_and_keep_alive_requests_before_it_are_untouched()
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(ServerAddress.Host, ServerAddress.Port);
        var stream = tcp.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n" +
            "GET /health/live HTTP/1.1\r\nHost: localhost\r\nNot a header line\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync();

        var second = answer.IndexOf("HTTP/1.1 400", StringComparison.Ordinal);
        Assert.That(answer, Does.StartWith("HTTP/1.1 200 OK"));
        Assert.That(answer[..second], Does.EndWith("Healthy\r\n0\r\n\r\n"), "the first answer is whole, its last chunk included: " + answer);
        Assert.That(answer[second..], Does.Contain("Content-Type: application/problem+json"));
        var body = answer[(answer.IndexOf("\r\n\r\n", second, StringComparison.Ordinal) + 4)..];
        var problem = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(body);
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(400));
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("The request is malformed."));
    }

    /// <summary>No length to declare, so HttpClient sends the body chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [Test]
    public async Task A_query_past_the_command_timeout_is_a_503_to_retry()
    {
        await using var db = new MySqlConnection(new MySqlConnectionStringBuilder(ConnectionString) { DefaultCommandTimeout = 1 }.ConnectionString);
        await db.OpenAsync();
        var e = Assert.ThrowsAsync<MySqlException>(() => db.ExecuteScalarAsync("SELECT SLEEP(5)"));

        var problem = Problems.From(e!);
        Assert.That(problem?.Status, Is.EqualTo(503));
        Assert.That(problem?.RetryAfter, Is.Not.Null);
    }

    [Test]
    public async Task A_database_connection_lost_mid_request_is_a_503_problem_with_retry_after()
    {
        // The database dies under pooled connections: the next query on one reads end of stream
        // (MySqlConnector's "Failed to read the result set.", no error code, not IsTransient).
        // Without a connection reset on reuse, the query is the first thing sent on the dead socket.
        var user = await RegisterAsync("lostdb");
        var direct = new MySqlConnector.MySqlConnectionStringBuilder(ConnectionString);
        // The storage tests' TCP relay serves as well in front of the database.
        await using var relay = new StorageProxy($"{direct.Server}:{direct.Port}");
        var relayed = new MySqlConnector.MySqlConnectionStringBuilder(ConnectionString)
        {
            Server = "127.0.0.1",
            Port = uint.Parse(relay.Endpoint.Split(':')[1]),
            ConnectionReset = false,
        };
        await using var service = new OwnService(new Dictionary<string, string?> { ["ConnectionStrings:Messenger"] = relayed.ConnectionString });
        using var client = service.Client(user.AccessToken);
        (await client.GetAsync("/users/me")).EnsureSuccessStatusCode();

        relay.Hang(); // drops the pooled connections
        relay.Resume();
        var response = await client.GetAsync("/users/me");

        var problem = await ReadProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.That(response.Headers.RetryAfter, Is.Not.Null, problem.ToString());
    }
}
