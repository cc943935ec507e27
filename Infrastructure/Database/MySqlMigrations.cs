using System.Data;
using System.Reflection;
using System.Text;
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
    /// <summary>How long a starting instance waits for another one's migrations before it gives up (and is restarted).</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    public static void Apply(string connectionString, ILogger logger)
    {
        // DbUp stamps its journal with a local DateTime, which the UTC-only setting would refuse.
        var journalSafe = new MySqlConnectionStringBuilder(connectionString) { DateTimeKind = MySqlDateTimeKind.Unspecified };
        var upgrader = DeployChanges.To
            .MySqlDatabase(journalSafe.ConnectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.Contains(".Migrations."))
            .WithVariablesDisabled()
            // A statement over a large table (an index built over every message) runs for as long
            // as it needs: DbUp's default of 30 s would cut it off and fail the start.
            .WithExecutionTimeout(TimeSpan.FromHours(1))
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
        builder.Configure(c => c.ScriptExecutor = new Executor(() => c.ConnectionManager, () => c.Log, () => c.VariablesEnabled,
            c.ScriptPreprocessors, () => (Journal)c.Journal));
        builder.Configure(c => c.Journal = new Journal(() => c.ConnectionManager, () => c.Log));
        return builder;
    }

    private static readonly ObjectParser Parser = new();

    private sealed class ObjectParser() : SqlObjectParser("`", "`");

    private sealed class ConnectionManager(string connectionString)
        : DatabaseConnectionManager(_ => new MySqlConnection(connectionString)), IConnectionManager
    {
        // GET_LOCK names are server-wide: one per database, so databases sharing a server do not wait for each other.
        private const string LockName = "LEFT(CONCAT('migrations:', DATABASE()), 64)";

        // The statement, not the script, is the unit the executor journals (see Journal.RunStatement).
        public override IEnumerable<string> SplitScriptIntoCommands(string scriptContents) => StatementReader.Split(scriptContents);

        /// <summary>
        /// Two instances starting at once on an empty database would both find nothing journaled and
        /// both run 0001. DbUp runs a whole upgrade, journal read included, on the one connection
        /// opened here, so a named lock taken on it makes the second instance wait, then find every
        /// script journaled. The server frees the lock with the session, so a kill -9 cannot leave it held.
        /// </summary>
        IDisposable IConnectionManager.OperationStarting(IUpgradeLog upgradeLog, List<SqlScript> executedScripts)
        {
            var operation = base.OperationStarting(upgradeLog, executedScripts);
            try
            {
                upgradeLog.LogInformation("Taking the migration lock");
                var acquired = ExecuteCommandsWithManagedConnection(commands => ExecuteSql(commands,
                    $"SELECT GET_LOCK({LockName}, {LockTimeout.TotalSeconds})", timeout: LockTimeout + TimeSpan.FromSeconds(30)));
                if (acquired is DBNull || Convert.ToInt32(acquired) != 1)
                    throw new InvalidOperationException(
                        $"Another instance held the migration lock for more than {LockTimeout.TotalMinutes} minutes.");
            }
            catch
            {
                operation.Dispose();
                throw;
            }
            return new Release(() =>
            {
                try
                {
                    ExecuteCommandsWithManagedConnection(commands => ExecuteSql(commands, $"DO RELEASE_LOCK({LockName})"));
                }
                catch (MySqlException)
                {
                    // A connection that broke has already lost its lock with its session.
                }
                finally
                {
                    operation.Dispose();
                }
            });
        }

        private sealed class Release(Action release) : IDisposable
        {
            public void Dispose() => release();
        }
    }

    private sealed class Executor(
        Func<IConnectionManager> connectionManager, Func<IUpgradeLog> log, Func<bool> variablesEnabled,
        IEnumerable<IScriptPreprocessor> preprocessors, Func<Journal> journal)
        : ScriptExecutor(connectionManager, Parser, log, null, variablesEnabled, preprocessors, journal)
    {
        protected override string GetVerifySchemaSql(string schema) => $"CREATE SCHEMA IF NOT EXISTS {schema}";

        protected override void ExecuteCommandsWithinExceptionHandler(int index, SqlScript script, Action executeCommand)
        {
            try
            {
                journal().RunStatement(script.Name, index, executeCommand);
            }
            catch (MySqlException e)
            {
                Log().LogError("Script {0} failed at statement {1}: MySQL error {2}: {3}", script.Name, index, e.Number, e.Message);
                throw;
            }
        }
    }

    private sealed class Journal(Func<IConnectionManager> connectionManager, Func<IUpgradeLog> log)
        : TableJournal(connectionManager, log, Parser, null, "schemaversions")
    {
        private const string CreateStatementsTableSql = """
            CREATE TABLE IF NOT EXISTS schemaversions_statements (
              script_name VARCHAR(255) NOT NULL,
              statement_index INT NOT NULL,
              started DATETIME NOT NULL,
              applied DATETIME NULL,
              PRIMARY KEY (script_name, statement_index)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
            """;

        private const string StatementAppliedSql =
            "SELECT applied IS NOT NULL FROM schemaversions_statements WHERE script_name = @script AND statement_index = @index";

        private const string StartStatementSql = """
            INSERT INTO schemaversions_statements (script_name, statement_index, started) VALUES (@script, @index, UTC_TIMESTAMP())
            ON DUPLICATE KEY UPDATE started = UTC_TIMESTAMP()
            """;

        private const string FinishStatementSql =
            "UPDATE schemaversions_statements SET applied = UTC_TIMESTAMP() WHERE script_name = @script AND statement_index = @index";

        private const string ForgetStatementSql = "DELETE FROM schemaversions_statements WHERE script_name = @script AND statement_index = @index";

        private bool _statementsTableExists;

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

        /// <summary>
        /// MySQL commits every DDL statement on its own, so a script of several statements cut off by
        /// a crash (kill -9, a lost connection) leaves the first ones applied and the script not
        /// journaled; running it again from the top then fails on "table already exists" forever.
        /// Landed scripts cannot be edited (existing databases journal them by name), so the runner
        /// journals each statement as it completes and a re-run resumes after the last one done.
        /// </summary>
        public override void EnsureTableExistsAndIsLatestVersion(Func<IDbCommand> dbCommandFactory)
        {
            base.EnsureTableExistsAndIsLatestVersion(dbCommandFactory);
            if (_statementsTableExists)
                return;
            ExecuteSql(dbCommandFactory, CreateStatementsTableSql);
            _statementsTableExists = true;
        }

        /// <summary>
        /// Runs statement <paramref name="index"/> of a script unless an earlier run completed it.
        /// The statement and its journal row share a transaction, so data statements are journaled
        /// atomically. A DDL statement commits the row saying it started before it runs and is
        /// atomic itself (MySQL 8, MariaDB 10.6+), so one that was started but never journaled and
        /// now finds its object already there took effect just before the crash: it counts as done.
        /// </summary>
        public void RunStatement(string scriptName, int index, Action execute)
        {
            ConnectionManager().ExecuteCommandsWithManagedConnection(commands =>
            {
                var key = new Dictionary<string, object> { ["script"] = scriptName, ["index"] = index };
                var state = ExecuteSql(commands, StatementAppliedSql, key);
                if (state is not null && Convert.ToBoolean(state))
                {
                    Log().LogInformation("Statement {0} of {1} was applied by an earlier run; skipping it", index, scriptName);
                    return;
                }
                var cutOff = state is not null;

                ExecuteSql(commands, "START TRANSACTION");
                ExecuteSql(commands, StartStatementSql, key);
                try
                {
                    execute();
                }
                catch (MySqlException e) when (cutOff && FoundAlreadyApplied(e))
                {
                    Log().LogWarning("Statement {0} of {1} was cut off after it took effect ({2}); counting it as applied",
                        index, scriptName, e.Message);
                }
                catch (MySqlException)
                {
                    try
                    {
                        // The statement did not take effect: the next run starts it afresh.
                        ExecuteSql(commands, "ROLLBACK");
                        ExecuteSql(commands, ForgetStatementSql, key);
                    }
                    catch (MySqlException)
                    {
                        // The connection is gone, and with it the knowledge of whether the statement
                        // completed: the row stays "started", which is how the next run reads a cut-off statement.
                    }
                    throw;
                }
                ExecuteSql(commands, FinishStatementSql, key);
                ExecuteSql(commands, "COMMIT");
            });
        }

        private static bool FoundAlreadyApplied(MySqlException e) =>
            e.ErrorCode is MySqlErrorCode.TableExists or MySqlErrorCode.DuplicateFieldName or MySqlErrorCode.DuplicateKeyName
                or MySqlErrorCode.BadTable or MySqlErrorCode.CannotDropFieldOrKey or MySqlErrorCode.TriggerAlreadyExists
                or MySqlErrorCode.StoredProcedureAlreadyExists
            // A constraint name already taken: MySQL 8 has codes of its own (foreign key, check),
            // MariaDB answers "can't create table" with InnoDB's errno 121.
            || e.Number is 1826 or 3822
            || (e.ErrorCode == MySqlErrorCode.CannotCreateTable && e.Message.Contains("errno: 121", StringComparison.Ordinal));
    }

    private static object? ExecuteSql(Func<IDbCommand> commands, string sql, IReadOnlyDictionary<string, object>? parameters = null,
        TimeSpan? timeout = null)
    {
        using var command = commands();
        command.CommandText = sql;
        if (timeout is { } t)
            command.CommandTimeout = (int)t.TotalSeconds;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object>())
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command.ExecuteScalar();
    }

    /// <summary>
    /// Splits a script at the semicolons that end its statements, leaving alone those inside
    /// quoted strings and comments (DbUp's parser knows both); a piece that holds only comments is
    /// no statement. The scripts keep semicolons out of backquoted names, which the parser does not know.
    /// </summary>
    private sealed class StatementReader : SqlParser
    {
        private readonly List<string> _statements = [];
        private readonly StringBuilder _current = new();
        private bool _hasCode;

        private StatementReader(string script) : base(script, ";", delimiterRequiresWhitespace: false)
        {
            ReadCharacter += (type, c) =>
            {
                if (type == CharacterType.Delimiter)
                    return;
                _current.Append(c);
                _hasCode |= type is not (CharacterType.DashComment or CharacterType.SlashStarComment) && !char.IsWhiteSpace(c);
            };
            CommandEnded += () =>
            {
                if (_hasCode)
                    _statements.Add(_current.ToString().Trim());
                _current.Clear();
                _hasCode = false;
            };
        }

        public static IReadOnlyList<string> Split(string script)
        {
            using var reader = new StatementReader(script);
            reader.Parse();
            return reader._statements;
        }
    }
}
