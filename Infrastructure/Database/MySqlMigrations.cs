using System.Reflection;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;
using DbUp.Engine.Output;
using DbUp.Engine.Transactions;
using DbUp.Support;
using MySqlConnector;

namespace Messenger.Infrastructure.Database;

/// <summary>
/// DbUp over the embedded Migrations/*.sql scripts. dbup-core has no MySQL support of its own,
/// so the three extension points it needs (connection, journal, executor) are written here.
/// </summary>
public static class MySqlMigrations
{
    public static void Apply(string connectionString, ILogger logger)
    {
        // DbUp stamps its journal with a local DateTime, which the UTC-only setting would refuse.
        var journalSafe = new MySqlConnectionStringBuilder(connectionString) { DateTimeKind = MySqlDateTimeKind.Unspecified };
        var upgrader = DeployChanges.To
            .MySqlDatabase(journalSafe.ConnectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.Contains(".Migrations."))
            .WithVariablesDisabled()
            .LogTo(logger)
            .Build();

        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
    }

    private static UpgradeEngineBuilder MySqlDatabase(this SupportedDatabases _, string connectionString)
    {
        var builder = new UpgradeEngineBuilder();
        builder.Configure(c => c.ConnectionManager = new ConnectionManager(connectionString));
        builder.Configure(c => c.ScriptExecutor = new Executor(() => c.ConnectionManager, () => c.Log, () => c.VariablesEnabled, c.ScriptPreprocessors, () => c.Journal));
        builder.Configure(c => c.Journal = new Journal(() => c.ConnectionManager, () => c.Log));
        return builder;
    }

    private static readonly ObjectParser Parser = new();

    private sealed class ObjectParser() : SqlObjectParser("`", "`");

    private sealed class ConnectionManager(string connectionString)
        : DatabaseConnectionManager(_ => new MySqlConnection(connectionString))
    {
        // Each script runs whole, as one multi-statement command: MySqlConnector allows that,
        // and splitting on ';' would break string literals and comments.
        public override IEnumerable<string> SplitScriptIntoCommands(string scriptContents) => [scriptContents];
    }

    private sealed class Executor(
        Func<IConnectionManager> connectionManager, Func<IUpgradeLog> log, Func<bool> variablesEnabled,
        IEnumerable<IScriptPreprocessor> preprocessors, Func<IJournal> journal)
        : ScriptExecutor(connectionManager, Parser, log, null, variablesEnabled, preprocessors, journal)
    {
        protected override string GetVerifySchemaSql(string schema) => $"CREATE SCHEMA IF NOT EXISTS {schema}";

        protected override void ExecuteCommandsWithinExceptionHandler(int index, SqlScript script, Action executeCommand)
        {
            try
            {
                executeCommand();
            }
            catch (MySqlException e)
            {
                Log().LogError("Script {0} failed: MySQL error {1}: {2}", script.Name, e.Number, e.Message);
                throw;
            }
        }
    }

    private sealed class Journal(Func<IConnectionManager> connectionManager, Func<IUpgradeLog> log)
        : TableJournal(connectionManager, log, Parser, null, "schemaversions")
    {
        // The default looks in every schema; two databases on one server (dev and test) would
        // then see each other's journal.
        protected override string DoesTableExistSql() =>
            $"SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{UnquotedSchemaTableName}'";

        protected override string GetInsertJournalEntrySql(string scriptName, string applied) =>
            $"INSERT INTO {FqSchemaTableName} (script_name, applied) VALUES ({scriptName}, {applied})";

        protected override string GetJournalEntriesSql() =>
            $"SELECT script_name FROM {FqSchemaTableName} ORDER BY script_name";

        protected override string CreateSchemaTableSql(string quotedPrimaryKeyName) =>
            $"""
            CREATE TABLE {FqSchemaTableName} (
              id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
              script_name VARCHAR(255) NOT NULL,
              applied DATETIME NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
            """;
    }
}
