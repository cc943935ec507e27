using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using MediatR;
using Messenger.Features.Auth;
using Messenger.Features.Auth.Register;
using Messenger.Features.Friends.RespondToFriendRequest;
using Messenger.Features.Friends.SendFriendRequest;
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
    };

    public static async Task ResetAsync()
    {
        await using var db = new MySqlConnection(ConnectionString);
        await db.OpenAsync();
        await _respawner.ResetAsync(db);
        Service<LoginThrottle>().Clear();
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
        SendAsync(new Register.Command(username, $"{username}@example.com", Password, displayName));

    /// <summary>Registers two users and makes them friends through the friends slices.</summary>
    public static async Task<(AuthResponse A, AuthResponse B)> FriendsAsync(string a, string b)
    {
        var first = await RegisterAsync(a);
        var second = await RegisterAsync(b);
        var request = await SendAsync(new SendFriendRequest.Command(first.User.Id, second.User.Id));
        await SendAsync(new RespondToFriendRequest.Command(second.User.Id, request.Id, true));
        return (first, second);
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

    /// <summary>
    /// What the server put in a HubException, without the prefix the client adds
    /// ("An unexpected error occurred invoking 'X' on the server. HubException: ").
    /// </summary>
    public static string ServerMessage(HubException e)
    {
        const string marker = "HubException: ";
        var at = e.Message.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? e.Message : e.Message[(at + marker.Length)..];
    }

    /// <summary>The fields a problem response names in <c>errors</c> (empty when it names none).</summary>
    public static async Task<IReadOnlyList<string>> ProblemFieldsAsync(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(e => e.Name).ToList() : [];
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
