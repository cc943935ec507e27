using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using MediatR;
using Messenger.Features.Auth;
using Messenger.Features.Auth.Login;
using Messenger.Features.Auth.Register;
using Messenger.Features.Friends.RespondToFriendRequest;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Features.Messages;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.CreateRoom;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Respawn;

namespace Messenger.Tests;

/// <summary>
/// One real service for the whole run: Kestrel on a free port, a real MariaDB test database
/// (MESSENGER_TEST_DATABASE, default messenger_test) and Respawn before every test.
/// </summary>
[SetUpFixture]
public sealed class Testing
{
    public const string Password = "password123";
    private static MessengerFactory _factory = null!;
    private static Respawner _respawner = null!;

    public static string ConnectionString { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var database = Environment.GetEnvironmentVariable("MESSENGER_TEST_DATABASE") ?? "messenger_test";
        var server = new MySqlConnectionStringBuilder(Environment.GetEnvironmentVariable("MESSENGER_TEST_SERVER")
            ?? "Server=127.0.0.1;Port=3307;User ID=messenger;Password=dev-only-password");
        await using (var connection = new MySqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync($"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        server.Database = database;
        ConnectionString = server.ConnectionString;

        _factory = new MessengerFactory(TestSettings());
        _factory.UseKestrel(0);
        _factory.StartServer();
        ServerAddress = new Uri(_factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.First());

        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();
        _respawner = await Respawner.CreateAsync(db, new RespawnerOptions
        {
            DbAdapter = DbAdapter.MySql,
            SchemasToInclude = [database],
            TablesToIgnore = ["schemaversions"],
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _factory.DisposeAsync();

    /// <summary>The settings every test service runs with; a test may start its own factory with changes.</summary>
    public static Dictionary<string, string?> TestSettings() => new()
    {
        ["ConnectionStrings:Messenger"] = ConnectionString,
        ["Jwt:SigningKey"] = "test-only-signing-key-0123456789abcdef",
        // Cheap hashing keeps the suite fast; the production cost is measured by the benchmark.
        ["Passwords:MemoryKiB"] = "1024",
        ["Passwords:Iterations"] = "1",
        ["Logging:LogLevel:Default"] = "Warning",
        // The shared dev s3rver with a bucket of the suite's own (MESSENGER_TEST_BUCKET, default messenger-test).
        ["Storage:Endpoint"] = Environment.GetEnvironmentVariable("MESSENGER_TEST_STORAGE") ?? "127.0.0.1:4568",
        ["Storage:Bucket"] = Environment.GetEnvironmentVariable("MESSENGER_TEST_BUCKET") ?? "messenger-test",
        // Tests sweep explicitly; a background pass would race the storage-down tests.
        ["Storage:SweepIntervalSeconds"] = "86400",
        // A search scans this few recent rows before the word index takes over, so the search
        // tests cross from one to the other within a handful of messages.
        ["Search:ScanRows"] = SearchScanRows.ToString(),
        // Tests index explicitly (IndexMessagesAsync), so that each search path is the one meant.
        ["Search:IndexIntervalMilliseconds"] = "0",
        // The search tests hold each query to the reference at three page sizes, indexed and not.
        ["RateLimits:Policies:Search:Burst"] = "100",
    };

    public const int SearchScanRows = 80;

    public static async Task ResetAsync()
    {
        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();
        await _respawner.ResetAsync(db);
        await Service<IAttemptCounter>().ClearAsync();
    }

    /// <summary>A port nothing listens on right now, for a server of a test's own.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static T Service<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

    /// <summary>Sends a command through the real MediatR pipeline (validation included), as an endpoint would.</summary>
    public static async Task<T> SendAsync<T>(IRequest<T> request)
    {
        using var scope = _factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    public static HttpClient CreateClient(string? accessToken = null)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = ServerAddress, HandleCookies = false });
        if (accessToken is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>Where the Kestrel test server listens, for clients that are not HttpClient (SignalR).</summary>
    public static Uri ServerAddress { get; private set; } = null!;

    public static Task<AuthResponse> RegisterAsync(string username, string? displayName = null) =>
        SendAsync(new Register.Command(username, $"{username}@example.com", Password, displayName, NextRegistrationAddress()));

    private static int _registrations;

    /// <summary>
    /// Each handler-level registration comes from an address of its own (in 198.18.0.0/15, kept for
    /// tests), as different people's would, so the per-address registration limit holds only for
    /// the tests about it.
    /// </summary>
    public static string NextRegistrationAddress()
    {
        var n = Interlocked.Increment(ref _registrations);
        return $"198.{18 + n / 65536 % 2}.{n / 256 % 256}.{n % 256}";
    }

    /// <summary>Registers two users and makes them friends through the friends slices.</summary>
    public static async Task<(AuthResponse A, AuthResponse B)> FriendsAsync(string a, string b)
    {
        var first = await RegisterAsync(a);
        var second = await RegisterAsync(b);
        var request = await SendAsync(new SendFriendRequest.Command(first.User.Id, second.User.Id));
        await SendAsync(new RespondToFriendRequest.Command(second.User.Id, request.Id, true));
        return (first, second);
    }

    /// <summary>Where handler-level logins come from: apart from HTTP logins' 127.0.0.1, so per-address failure counts do not mix.</summary>
    public const string TestAddress = "192.0.2.1";

    public static Task<AuthResponse> LoginAsync(string login, string password = Password) =>
        SendAsync(new Login.Command(login, password, TestAddress));

    /// <summary>Asserts the status and the problem+json shape every error shares, and returns the body.</summary>
    public static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
        var problem = JsonSerializer.Deserialize<JsonElement>(text);
        foreach (var member in new[] { "type", "title", "status", "detail", "traceId" })
            Assert.That(problem.TryGetProperty(member, out _), Is.True, $"the problem has {member}: {text}");
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo((int)status));
        return problem;
    }

    /// <summary>The field names of a validation problem's <c>errors</c>.</summary>
    public static string[] ErrorFields(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(e => e.Name).ToArray() : [];

    /// <summary>Raw SQL for what no slice can arrange (an expired token); returns the rows affected.</summary>
    public static async Task<int> ExecuteAsync(string sql, object? parameters = null)
    {
        await using var db = new MySqlConnection(ConnectionString);
        return await db.ExecuteAsync(sql, parameters);
    }

    /// <summary>
    /// Adds <paramref name="count"/> messages from <paramref name="from"/> to <paramref name="to"/>
    /// straight into their conversation: more than the send rate limit lets a test send.
    /// Returns the ids in order.
    /// </summary>
    public static async Task<IReadOnlyList<long>> SeedDirectMessagesAsync(long from, long to, int count, Func<int, string>? body = null)
    {
        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();
        await using var transaction = await db.BeginTransactionAsync();
        var conversation = await db.QuerySingleAsync<(long Id, long Version, long MessageCount)>("""
            INSERT INTO conversations (user_low, user_high) VALUES (LEAST(@From, @To), GREATEST(@From, @To))
            ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id);
            SELECT id, version, message_count FROM conversations WHERE id = LAST_INSERT_ID() FOR UPDATE;
            """, new { From = from, To = to }, transaction);
        await db.ExecuteAsync("""
            INSERT INTO messages (conversation_id, sender_id, recipient_id, body, created_at, version, seq)
            VALUES (@ConversationId, @From, @To, @Body, UTC_TIMESTAMP(3), @Version, @Seq)
            """, Enumerable.Range(1, count).Select(i => new
            {
                ConversationId = conversation.Id, From = from, To = to, Body = body?.Invoke(i) ?? $"seed {i}", Version = conversation.Version + i,
                Seq = conversation.MessageCount + i,
            }), transaction);
        // As sending does: the conversation counts them (the sender's own messages count as read by them).
        await db.ExecuteAsync("UPDATE conversations SET version = @Version, message_count = @Seq WHERE id = @Id",
            new { conversation.Id, Version = conversation.Version + count, Seq = conversation.MessageCount + count }, transaction);
        await transaction.CommitAsync();
        return (await db.QueryAsync<long>("SELECT id FROM messages WHERE conversation_id = @Id ORDER BY id", new { conversation.Id })).AsList();
    }

    /// <summary>What MessageIndexer does in the background: indexes every message still flagged unindexed.</summary>
    public static async Task IndexMessagesAsync()
    {
        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();
        while (await MessageTerms.IndexAsync(db, CancellationToken.None) == MessageTerms.Batch)
        {
        }
    }

    /// <summary>Creates a room through the CreateRoom slice; its owner is its only participant.</summary>
    public static Task<Room> CreateRoomAsync(AuthResponse owner, string name, bool isPrivate = false) =>
        SendAsync(new CreateRoom.Command(owner.User.Id, name, null, isPrivate));

    /// <summary>
    /// Returns once the clock has moved past the current millisecond. Stored times (joined_at)
    /// have millisecond precision, so a write after this is strictly later than one before it.
    /// </summary>
    public static async Task NextMillisecondAsync()
    {
        var now = TimeProvider.System.UtcNowMs();
        while (TimeProvider.System.UtcNowMs() == now)
            await Task.Delay(1);
    }

    /// <summary>The fields a problem response names in <c>errors</c> (empty when it names none).</summary>
    public static async Task<IReadOnlyList<string>> ProblemFieldsAsync(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        return ErrorFields(JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync()));
    }

    public static async Task<T> QuerySingleAsync<T>(string sql, object? parameters = null)
    {
        await using var db = new MySqlConnection(ConnectionString);
        return await db.QuerySingleAsync<T>(sql, parameters);
    }

    public static async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var db = new MySqlConnection(ConnectionString);
        return (await db.QueryAsync<T>(sql, parameters)).AsList();
    }

    public sealed class MessengerFactory(Dictionary<string, string?> settings, string environment = "Testing")
        : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            foreach (var (key, value) in settings)
                builder.UseSetting(key, value);
        }
    }
}

/// <summary>Every test starts from an empty database.</summary>
public abstract class TestBase
{
    [SetUp]
    public Task ResetDatabase() => Testing.ResetAsync();
}
