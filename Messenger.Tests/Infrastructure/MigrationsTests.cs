using Dapper;
using Messenger.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>Runs the migrations against a throwaway database of each test's own, never the shared test database.</summary>
public sealed class MigrationsTests
{
    private string _scratch = "";
    private string _serverConnectionString = "";
    private string _scratchConnectionString = "";

    [SetUp]
    public async Task CreateScratchDatabase()
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString);
        _scratch = $"messenger_mig_{Guid.NewGuid():N}";
        _scratchConnectionString = new MySqlConnectionStringBuilder(ConnectionString) { Database = _scratch }.ConnectionString;
        builder.Database = "";
        _serverConnectionString = builder.ConnectionString;
        await ExecuteOnServerAsync($"CREATE DATABASE `{_scratch}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    }

    [TearDown]
    public Task DropScratchDatabase() => ExecuteOnServerAsync($"DROP DATABASE IF EXISTS `{_scratch}`");

    [Test]
    public async Task Migrations_create_the_tables_and_a_second_run_changes_nothing()
    {
        MySqlMigrations.Apply(_scratchConnectionString, NullLogger.Instance);
        var tables = await QueryScratchAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()");
        var journal = await QueryScratchAsync<string>("SELECT script_name FROM schemaversions");

        MySqlMigrations.Apply(_scratchConnectionString, NullLogger.Instance);
        var journalAfterSecondRun = await QueryScratchAsync<string>("SELECT script_name FROM schemaversions");

        Assert.That(tables, Is.SupersetOf(new[] { "users", "sessions", "refresh_tokens", "schemaversions" }));
        Assert.That(journal, Has.Some.EndsWith("0001_create_users.sql").And.Some.EndsWith("0002_create_sessions.sql"));
        Assert.That(journalAfterSecondRun, Is.EqualTo(journal));
    }

    [Test]
    public async Task Four_instances_starting_at_once_on_an_empty_database_all_succeed_and_each_script_is_journaled_once()
    {
        using var start = new Barrier(4);
        var runs = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            MySqlMigrations.Apply(_scratchConnectionString, NullLogger.Instance);
        })).ToList();

        await Task.WhenAll(runs);

        var journal = await QueryScratchAsync<string>("SELECT script_name FROM schemaversions");
        Assert.That(journal, Is.Unique);
        Assert.That(journal, Has.Count.EqualTo(MigrationScripts.Count));
    }

    [Test]
    public async Task A_script_stopped_after_some_of_its_statements_resumes_with_the_next_one()
    {
        // 0006 creates rooms, room_participants and room_invites: a table in the way of the third
        // stops the run after two statements of that script have changed the schema.
        await ExecuteOnScratchAsync("CREATE TABLE room_invites (id INT)");
        Assert.Throws<InvalidOperationException>(() => MySqlMigrations.Apply(_scratchConnectionString, NullLogger.Instance));
        Assert.That(await QueryScratchAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"),
            Does.Contain("rooms").And.Contain("room_participants"));

        await ExecuteOnScratchAsync("DROP TABLE room_invites");
        MySqlMigrations.Apply(_scratchConnectionString, NullLogger.Instance);

        var journal = await QueryScratchAsync<string>("SELECT script_name FROM schemaversions");
        Assert.That(journal, Is.Unique.And.Count.EqualTo(MigrationScripts.Count));
        var columns = await QueryScratchAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'room_invites'");
        Assert.That(columns, Does.Contain("invitee_id"));
    }

    [Test]
    public async Task A_statement_killed_after_it_took_effect_but_before_it_was_journaled_is_not_run_again()
    {
        MySqlMigrations.Apply(_scratchConnectionString, NullLogger.Instance);
        // What a kill -9 between the last statement of 0007 and its journal row leaves behind:
        // the statement started, its table there, neither the statement nor the script journaled.
        var last = MigrationScripts.Max()!;
        await ExecuteOnScratchAsync($"DELETE FROM schemaversions WHERE script_name = '{last}'");
        await ExecuteOnScratchAsync($"""
            UPDATE schemaversions_statements SET applied = NULL
            WHERE script_name = '{last}' ORDER BY statement_index DESC LIMIT 1
            """);

        MySqlMigrations.Apply(_scratchConnectionString, NullLogger.Instance);

        var journal = await QueryScratchAsync<string>("SELECT script_name FROM schemaversions");
        Assert.That(journal, Is.Unique.And.Count.EqualTo(MigrationScripts.Count));
        Assert.That(await QueryScratchAsync<string>("SELECT script_name FROM schemaversions_statements WHERE applied IS NULL"), Is.Empty);
    }

    private static readonly IReadOnlyList<string> MigrationScripts = typeof(MySqlMigrations).Assembly.GetManifestResourceNames()
        .Where(name => name.Contains(".Migrations.") && name.EndsWith(".sql")).ToList();

    private async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new MySqlConnection(_serverConnectionString);
        await connection.ExecuteAsync(sql);
    }

    private async Task ExecuteOnScratchAsync(string sql)
    {
        await using var connection = new MySqlConnection(_scratchConnectionString);
        await connection.ExecuteAsync(sql);
    }

    private async Task<List<T>> QueryScratchAsync<T>(string sql)
    {
        await using var connection = new MySqlConnection(_scratchConnectionString);
        return (await connection.QueryAsync<T>(sql)).AsList();
    }
}
