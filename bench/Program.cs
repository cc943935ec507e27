using System.Diagnostics;
using System.Net.Http.Json;
using Messenger.Infrastructure.Auth;
using Microsoft.Extensions.Options;

// Benchmarks, not tests: figures for the README's performance section. scripts/bench.sh runs
// them against a service of their own; see the README for the commands.
//   bench argon2 [count]
//   bench logins  baseUrl [concurrency] [seconds]
//   bench history baseUrl connectionString [messages]
//   bench conversations baseUrl connectionString [messages]
//   bench search baseUrl connectionString [messages]
//   bench fanout  baseUrl servicePid [clients] [roomSize] [messagesPerSecond] [seconds]
//   bench faults crash baseUrl serviceDll logFile [users] [sendersPerUser] [secondsBefore] [secondsAfter]   (scripts/faults.sh)
//   bench faults migrate baseUrl serviceDll logFile connectionString [kills]                                (scripts/faults.sh)
//   bench faults db baseUrl serviceDll logFile dbPidFile dbStartCommand [users] [secondsDown]             (scripts/faults.sh)
return args.FirstOrDefault() switch
{
    "argon2" => await Argon2Async(args.Length > 1 ? int.Parse(args[1]) : 20),
    "logins" => await LoginsAsync(args[1], args.Length > 2 ? int.Parse(args[2]) : 50, args.Length > 3 ? int.Parse(args[3]) : 20),
    "history" => await Messenger.Bench.HistoryBench.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 1_000_000),
    "conversations" => await Messenger.Bench.ConversationsBench.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 1_000_000),
    "search" => await Messenger.Bench.SearchBench.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 1_000_000),
    "fanout" => await Messenger.Bench.FanoutBench.RunAsync(args[1], int.Parse(args[2]),
        args.Length > 3 ? int.Parse(args[3]) : 2000, args.Length > 4 ? int.Parse(args[4]) : 10,
        args.Length > 5 ? int.Parse(args[5]) : 1000, args.Length > 6 ? int.Parse(args[6]) : 60),
    "faults" when args.Length > 4 && args[1] == "crash" => await Messenger.Bench.FaultsBench.CrashAsync(args[2], args[3], args[4],
        args.Length > 5 ? int.Parse(args[5]) : 6, args.Length > 6 ? int.Parse(args[6]) : 3,
        args.Length > 7 ? double.Parse(args[7]) : 4, args.Length > 8 ? double.Parse(args[8]) : 2),
    "faults" when args.Length > 6 && args[1] == "db" => await Messenger.Bench.DbOutageFault.RunAsync(args[2], args[3], args[4], args[5], args[6],
        args.Length > 7 ? int.Parse(args[7]) : 4, args.Length > 8 ? double.Parse(args[8]) : 30),
    "faults" when args.Length > 5 && args[1] == "migrate" => await Messenger.Bench.MigrateFault.RunAsync(args[2], args[3], args[4], args[5],
        args.Length > 6 ? int.Parse(args[6]) : 5),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: bench argon2 [count] | logins baseUrl [concurrency] [seconds] | history baseUrl connectionString [messages] | " +
                            "conversations baseUrl connectionString [messages] | search baseUrl connectionString [messages] | " +
                            "fanout baseUrl servicePid [clients] [roomSize] [messagesPerSecond] [seconds] | " +
                            "faults crash baseUrl serviceDll logFile [users] [sendersPerUser] [secondsBefore] [secondsAfter] | " +
                            "faults migrate baseUrl serviceDll logFile connectionString [kills] | " +
                            "faults db baseUrl serviceDll logFile dbPidFile dbStartCommand [users] [secondsDown]");
    return 2;
}

// Time per hash and per verify with the production defaults (appsettings.json's Passwords section).
static async Task<int> Argon2Async(int count)
{
    var options = new PasswordOptions();
    var hasher = new PasswordHasher(Options.Create(options));
    var hash = await hasher.HashAsync("warm-up-password", default);
    var hashTimes = new List<double>();
    var verifyTimes = new List<double>();
    for (var i = 0; i < count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await hasher.HashAsync($"password-{i}", default);
        hashTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        started = Stopwatch.GetTimestamp();
        await hasher.VerifyAsync(hash, "wrong-password", default);
        verifyTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
    var unknown = new List<double>();
    for (var i = 0; i < count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await hasher.VerifyAsync(null, "wrong-password", default);
        unknown.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
    Console.WriteLine($"Argon2id m={options.MemoryKiB} KiB t={options.Iterations} p={options.Parallelism}, {count} runs each");
    Console.WriteLine($"  hash:                 {Summary(hashTimes)}");
    Console.WriteLine($"  verify, wrong pass:   {Summary(verifyTimes)}");
    Console.WriteLine($"  verify, unknown user: {Summary(unknown)}");
    return 0;
}

// Concurrent logins against a running service, with a cheap request measured alongside to show
// that the hashing gate keeps the rest of the service responsive.
static async Task<int> LoginsAsync(string baseUrl, int concurrency, int seconds)
{
    using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    var username = $"bench{Random.Shared.Next(1_000_000)}";
    var password = "bench-password-1";
    var register = await http.PostAsJsonAsync("/auth/register", new { username, email = $"{username}@example.com", password });
    register.EnsureSuccessStatusCode();

    var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * seconds;
    var logins = new List<double>();
    var failures = 0;
    var workers = Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await http.PostAsJsonAsync("/auth/login", new { login = username, password });
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (logins)
            {
                if (response.IsSuccessStatusCode) logins.Add(elapsed);
                else failures++;
            }
        }
    }).ToList();
    var probes = new List<double>();
    while (Stopwatch.GetTimestamp() < deadline)
    {
        var started = Stopwatch.GetTimestamp();
        (await http.GetAsync("/health/live")).EnsureSuccessStatusCode();
        probes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await Task.Delay(100);
    }
    await Task.WhenAll(workers);
    Console.WriteLine($"{concurrency} concurrent logins for {seconds} s against {baseUrl}");
    Console.WriteLine($"  logins: {logins.Count} ok, {failures} failed, {logins.Count / (double)seconds:0.0}/s; latency {Summary(logins)}");
    Console.WriteLine($"  /health/live meanwhile: {Summary(probes)}");
    return failures == 0 ? 0 : 1;
}

static string Summary(List<double> ms) => Messenger.Bench.Stats.Summary(ms);
