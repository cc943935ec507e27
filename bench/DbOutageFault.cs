using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Messenger.Bench;

/// <summary>
/// scripts/faults.sh db: the service's own MariaDB is killed for a while under steady traffic and
/// started again on the same datadir. The script starts that MariaDB; it hands the driver the pid
/// file and the command that starts it again.
/// </summary>
public static class DbOutageFault
{
    /// <summary>Answers counted by phase (before, down, after) and by what came back.</summary>
    private sealed class Tally
    {
        private readonly ConcurrentDictionary<(string Phase, string Answer), int> _counts = new();
        public volatile string Phase = "before";

        public void Add(string answer) => _counts.AddOrUpdate((Phase, answer), 1, (_, n) => n + 1);

        public IEnumerable<(string Answer, int Count)> In(string phase) =>
            _counts.Where(c => c.Key.Phase == phase).OrderBy(c => c.Key.Answer).Select(c => (c.Key.Answer, c.Value));
    }

    public static async Task<int> RunAsync(string baseUrl, string serviceDll, string logPath, string dbPidFile, string dbStartCommand,
        int users, double secondsDown)
    {
        var service = await FaultsBench.StartServiceAsync(serviceDll, baseUrl, logPath);
        try
        {
            return await RunAsync(baseUrl, service, dbPidFile, dbStartCommand, users, secondsDown);
        }
        finally
        {
            if (!service.HasExited)
                service.Kill();
        }
    }

    private static async Task<int> RunAsync(string baseUrl, Process service, string dbPidFile, string dbStartCommand, int users, double secondsDown)
    {
        var api = new Api(baseUrl);
        var tag = Random.Shared.Next(1_000_000);
        var accounts = new Api.User[users];
        for (var i = 0; i < users; i++)
            accounts[i] = await api.RegisterAsync($"dbdown{tag}_{i}");
        var room = await api.PostAsync(accounts[0], "/rooms", new { name = $"dbdown {tag}", isPrivate = false });
        for (var i = 1; i < users; i++)
            await api.PostAsync(accounts[i], $"/rooms/{room}/join", new { });

        var connections = new List<HubConnection>();
        foreach (var user in accounts)
            connections.Add(await FaultsBench.ConnectAsync(baseUrl, user, _ => { }));
        var metricBefore = await HubConnectionsMetricAsync(api);
        var failures = new List<string>();

        // Steady traffic: per user, hub sends, REST sends and GET /users/me, each in its own loop.
        var rest = new Tally();
        var hub = new Tally();
        var problems = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var loops = new List<Task>();
        for (var i = 0; i < users; i++)
        {
            var user = accounts[i];
            var connection = connections[i];
            loops.Add(Loop(async () =>
            {
                try
                {
                    await connection.InvokeAsync<object>("SendRoomMessage", new { roomId = room, body = "over the hub" });
                    hub.Add("ok");
                }
                catch (HubException e)
                {
                    hub.Add(Regex.Match(e.Message, @"^\d{3} [^:]*:").Value is { Length: > 0 } status ? status.TrimEnd(':') : e.Message);
                }
                catch (Exception e)
                {
                    hub.Add(e.GetType().Name);
                }
            }, stop.Token));
            loops.Add(Loop(() => RestAsync(api, user, HttpMethod.Post, $"/rooms/{room}/messages", new { body = "over REST" }, rest, problems), stop.Token));
            loops.Add(Loop(() => RestAsync(api, user, HttpMethod.Get, "/users/me", null, rest, problems), stop.Token));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));

        // The outage: kill MariaDB (SIGKILL, as a crash would), keep the traffic going. Calls in
        // flight at the kill count as answered while down.
        var dbPid = int.Parse((await File.ReadAllTextAsync(dbPidFile)).Trim());
        rest.Phase = hub.Phase = "down";
        using (var db = Process.GetProcessById(dbPid))
        {
            db.Kill();
            await db.WaitForExitAsync();
        }
        var downAt = Stopwatch.StartNew();
        Console.WriteLine($"killed MariaDB (pid {dbPid}); keeping it down for {secondsDown:0} s");

        await Task.Delay(TimeSpan.FromSeconds(2));
        var ready = await api.Http.GetAsync("/health/ready");
        var readyBody = await ready.Content.ReadAsStringAsync();
        Console.WriteLine($"/health/ready while down: {(int)ready.StatusCode} {readyBody}");
        if (ready.StatusCode != HttpStatusCode.ServiceUnavailable || !readyBody.Contains("\"database\":\"Unhealthy\"", StringComparison.Ordinal))
            failures.Add($"/health/ready while the database is down answered {(int)ready.StatusCode} {readyBody}");

        // New hub connections while down: each is refused, and none may stay behind in the service's maps.
        var refusedConnects = 0;
        for (var i = 0; i < 5; i++)
        {
            try
            {
                var extra = await FaultsBench.ConnectAsync(baseUrl, accounts[i % users], _ => { });
                failures.Add("a hub connection opened while the database was down");
                await extra.DisposeAsync();
            }
            catch (Exception)
            {
                refusedConnects++;
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, secondsDown - downAt.Elapsed.TotalSeconds)));

        // Back up on the same datadir; recovery is timed from the moment it answers.
        rest.Phase = hub.Phase = "restarting";
        using (var start = Process.Start("bash", ["-c", dbStartCommand]))
            await start.WaitForExitAsync();
        var upAt = Stopwatch.StartNew();
        Console.WriteLine($"MariaDB started again after {downAt.Elapsed.TotalSeconds:0.0} s down");
        rest.Phase = hub.Phase = "after";

        // Recovered once a hub send, a REST send, /users/me, readiness and a new hub connection all succeed.
        TimeSpan? recovered = null;
        while (upAt.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                await connections[0].InvokeAsync<object>("SendRoomMessage", new { roomId = room, body = "probe" });
                (await api.GetAsync(accounts[0], "/users/me")).EnsureSuccessStatusCode();
                await api.PostAsync(accounts[0], $"/rooms/{room}/messages", new { body = "probe" });
                (await api.Http.GetAsync("/health/ready")).EnsureSuccessStatusCode();
                var probe = await FaultsBench.ConnectAsync(baseUrl, accounts[0], _ => { });
                await probe.DisposeAsync();
                recovered = upAt.Elapsed;
                break;
            }
            catch (Exception)
            {
                await Task.Delay(100);
            }
        }
        if (recovered is not { } took)
            failures.Add("the service did not recover within 30 s of the database coming back");
        else if (took > TimeSpan.FromSeconds(5))
            failures.Add($"the service took {took.TotalSeconds:0.0} s to recover (over 5 s)");

        await Task.Delay(TimeSpan.FromSeconds(3));
        stop.Cancel();
        await Task.WhenAll(loops);

        // The maps are back to their size: what the driver holds open is what the service counts.
        await Task.Delay(500);
        var open = connections.Count(c => c.State == HubConnectionState.Connected);
        var metricAfter = await HubConnectionsMetricAsync(api);
        if (open != users)
            failures.Add($"{users - open} of the driver's hub connections were closed by the outage");
        if (metricAfter != metricBefore || metricAfter != open)
            failures.Add($"messenger_hub_connections {metricBefore} before, {metricAfter} after, with {open} open");
        foreach (var connection in connections)
            await connection.DisposeAsync();

        foreach (var phase in new[] { "before", "down", "restarting", "after" })
        {
            Console.WriteLine($"{phase,-10} REST: {Describe(rest.In(phase))}");
            Console.WriteLine($"{"",-10} hub:  {Describe(hub.In(phase))}");
        }
        var downRest = rest.In("down").ToList();
        var downHub = hub.In("down").ToList();
        // A success while down is a call that was answered just before the kill took hold.
        if (downRest.Any(a => a.Answer is not ("503 problem with Retry-After" or "200" or "201")))
            failures.Add("a REST answer while down was neither a success nor a 503 problem with Retry-After");
        if (downHub.Any(a => a.Answer is not ("503 Service Unavailable" or "ok")))
            failures.Add("a hub call while down neither succeeded nor failed with 503 Service Unavailable");
        if (downRest.Sum(a => a.Answer.StartsWith("503") ? a.Count : 0) == 0 || downHub.Sum(a => a.Answer.StartsWith("503") ? a.Count : 0) == 0)
            failures.Add("no 503 while down: the outage was not seen");
        if (rest.In("after").Concat(hub.In("after")).Any(a => a.Answer != "ok" && a.Answer != "200" && a.Answer != "201"))
            failures.Add("an answer after recovery was not a success");
        if (rest.In("before").Concat(rest.In("down")).Concat(rest.In("restarting")).Concat(rest.In("after")).Any(a => a.Answer.StartsWith("500")))
            failures.Add("a 500 was answered");
        foreach (var problem in problems.Distinct().Take(5))
            Console.WriteLine($"  e.g. {problem}");
        Console.WriteLine($"new hub connections while down: {refusedConnects} of 5 refused");
        Console.WriteLine($"recovered {(recovered is { } r ? $"{r.TotalSeconds:0.00} s" : "never")} after MariaDB answered again");
        Console.WriteLine($"hub connections: driver holds {open} open; messenger_hub_connections {metricBefore} before the outage, {metricAfter} after");
        Console.WriteLine(failures.Count == 0 ? "PASS" : "FAIL\n  " + string.Join("\n  ", failures));
        return failures.Count == 0 ? 0 : 1;
    }

    private static async Task Loop(Func<Task> call, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await call();
            // Steady, not a flood: a few calls a second per loop.
            await Task.Delay(100);
        }
    }

    private static async Task RestAsync(Api api, Api.User user, HttpMethod method, string path, object? body, Tally tally, ConcurrentBag<string> problems)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new("Bearer", user.AccessToken);
            using var response = await api.Http.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status == 503)
            {
                var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
                var retry = response.Headers.RetryAfter is not null;
                tally.Add(problem && retry ? "503 problem with Retry-After" : $"503 (problem {problem}, Retry-After {retry})");
                problems.Add(await response.Content.ReadAsStringAsync());
            }
            else
            {
                tally.Add(status.ToString());
                if (status >= 400)
                    problems.Add($"{status} {await response.Content.ReadAsStringAsync()}");
            }
        }
        catch (Exception e)
        {
            tally.Add(e.GetType().Name);
        }
    }

    private static string Describe(IEnumerable<(string Answer, int Count)> answers) =>
        string.Join(", ", answers.Select(a => $"{a.Answer} x{a.Count}")) is { Length: > 0 } s ? s : "none";

    private static async Task<int> HubConnectionsMetricAsync(Api api)
    {
        var text = await api.Http.GetStringAsync("/metrics");
        var line = text.Split('\n').First(l => l.StartsWith("messenger_hub_connections ", StringComparison.Ordinal));
        return (int)double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
