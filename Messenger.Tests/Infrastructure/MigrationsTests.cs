using Dapper;
using Messenger.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>Runs the migrations against a scratch database of its own, not the shared test database.</summary>
public sealed class MigrationsTests
{
    private string _scratch = "";
    private string _serverConnectionString = "";

    [SetUp]
    public async Task CreateScratchDatabase()
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString);
        _scratch = builder.Database + "_mig";
        builder.Database = "";
        _serverConnectionString = builder.ConnectionString;
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS `{_scratch}`");
        await ExecuteOnServerAsync($"CREATE DATABASE `{_scratch}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    }

    [TearDown]
    public Task DropScratchDatabase() => ExecuteOnServerAsync($"DROP DATABASE IF EXISTS `{_scratch}`");

    [Test]
    public async Task Migrations_create_the_tables_and_a_second_run_changes_nothing()
    {
        var connectionString = new MySqlConnectionStringBuilder(ConnectionString) { Database = _scratch }.ConnectionString;

        MySqlMigrations.Apply(connectionString, NullLogger.Instance);
        var tables = await QueryScratchAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()");
        var journal = await QueryScratchAsync<string>("SELECT script_name FROM schemaversions");

        MySqlMigrations.Apply(connectionString, NullLogger.Instance);
        var journalAfterSecondRun = await QueryScratchAsync<string>("SELECT script_name FROM schemaversions");

        Assert.That(tables, Is.SupersetOf(new[] { "users", "sessions", "refresh_tokens", "schemaversions" }));
        Assert.That(journal, Has.Some.EndsWith("0001_create_users.sql").And.Some.EndsWith("0002_create_sessions.sql"));
        Assert.That(journalAfterSecondRun, Is.EqualTo(journal));
    }

    private async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new MySqlConnection(_serverConnectionString);
        await connection.ExecuteAsync(sql);
    }

    private async Task<List<T>> QueryScratchAsync<T>(string sql)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(ConnectionString) { Database = _scratch }.ConnectionString);
        return (await connection.QueryAsync<T>(sql)).AsList();
    }
}
