using System.Diagnostics;
using Dapper;
using MySqlConnector;

namespace Messenger.Bench;

/// <summary>
/// scripts/faults.sh migrate: the service starts on an empty database and is killed (SIGKILL)
/// in the middle of its migration run, each time a little further on, a few times; then it
/// starts normally and must come up ready with every script journaled once.
/// </summary>
public static class MigrateFault
{
    private const string ProgressSql = """
        SELECT
          (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'schemaversions') AS JournalExists,
          (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'schemaversions_statements') AS StatementsExist
        """;

    private sealed record Tables(long JournalExists, long StatementsExist);

    public static async Task<int> RunAsync(string baseUrl, string serviceDll, string logPath, string connectionString, int kills)
    {
        var scripts = typeof(Messenger.Infrastructure.Database.MySqlMigrations).Assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Migrations.", StringComparison.Ordinal)).Order().ToList();
        var failures = new List<string>();
        await using var db = new MySqlConnection(connectionString);
        await db.OpenAsync();

        // Each run is killed once the journal has moved past where the last kill left it, by a
        // random one to three steps (a statement started, applied, or a script journaled).
        var last = 0L;
        var done = 0;
        for (var kill = 1; kill <= kills; kill++)
        {
            var target = last + Random.Shared.Next(1, 4);
            using var service = Start(serviceDll, logPath);
            long progress;
            while ((progress = await ProgressAsync(db)) < target && !service.HasExited)
                await Task.Delay(2);
            if (service.HasExited)
            {
                failures.Add($"the service exited with {service.ExitCode} during its migrations (run {kill}); see {logPath}");
                break;
            }
            service.Kill();
            await service.WaitForExitAsync();
            var (journaled, started, applied) = await JournalAsync(db);
            Console.WriteLine($"run {kill}: killed (SIGKILL) with {journaled} of {scripts.Count} scripts journaled, " +
                              $"{applied} statements applied and {started - applied} started, not finished");
            last = Math.Max(progress, await ProgressAsync(db));
            done = kill;
            if (journaled == scripts.Count)
                break;
        }

        // The normal start: ready, and every script in the journal exactly once.
        var ready = Stopwatch.StartNew();
        var final = await FaultsBench.StartServiceAsync(serviceDll, baseUrl, logPath);
        Console.WriteLine($"started normally after {done} kills: ready in {ready.Elapsed.TotalSeconds:0.0} s");
        var names = (await db.QueryAsync<string>("SELECT script_name FROM schemaversions")).ToList();
        var missing = scripts.Except(names).ToList();
        var twice = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var unfinished = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schemaversions_statements WHERE applied IS NULL");
        Console.WriteLine($"journal: {names.Count} entries for {scripts.Count} scripts; missing {missing.Count}, journaled twice {twice.Count}, " +
                          $"statements started and never applied {unfinished}");
        if (missing.Count > 0) failures.Add("not journaled: " + string.Join(", ", missing));
        if (twice.Count > 0) failures.Add("journaled more than once: " + string.Join(", ", twice));
        if (unfinished > 0) failures.Add($"{unfinished} statements started and never applied");
        // The schema works: a user can register.
        try
        {
            await new Api(baseUrl).RegisterAsync($"migrated{Random.Shared.Next(1_000_000)}");
        }
        catch (Exception e)
        {
            failures.Add($"registering after the migrations failed: {e.Message}");
        }
        final.Kill();
        await final.WaitForExitAsync();
        Console.WriteLine(failures.Count == 0 ? "PASS" : "FAIL\n  " + string.Join("\n  ", failures));
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>Steps taken so far: statements started, statements applied, scripts journaled.</summary>
    private static async Task<long> ProgressAsync(MySqlConnection db)
    {
        var (journaled, started, applied) = await JournalAsync(db);
        return journaled + started + applied;
    }

    private static async Task<(long Journaled, long Started, long Applied)> JournalAsync(MySqlConnection db)
    {
        var tables = await db.QuerySingleAsync<Tables>(ProgressSql);
        var journaled = tables.JournalExists > 0 ? await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schemaversions") : 0;
        if (tables.StatementsExist == 0)
            return (journaled, 0, 0);
        var (started, applied) = await db.QuerySingleAsync<(long, long)>(
            "SELECT COUNT(*), COUNT(applied) FROM schemaversions_statements");
        return (journaled, started, applied);
    }

    private static Process Start(string serviceDll, string logPath)
    {
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", [serviceDll]) { RedirectStandardOutput = true, RedirectStandardError = true },
        };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
