using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Messenger.Bench;

/// <summary>
/// Fault cases, not benchmarks: each runs the service as a child process, does something to it
/// and checks that nothing acknowledged was lost. scripts/faults.sh passes the service's
/// settings in the environment, which the child inherits.
/// </summary>
public static class FaultsBench
{
    private sealed record Sent(long Id, long? RoomId, long SenderId, long? RecipientId, string? ClientMessageId, long Version, DateTime CreatedAt);
    private sealed record Page(List<Sent> Items, bool HasMore, long Version);
    private sealed record Summary(long Id);
    private sealed record Listed(long? RoomId, Summary? User, long Version, Sent? LastMessage);

    /// <summary>A conversation as one of its users reads it.</summary>
    private sealed record Conversation(string Name, string Path, string SendMethod, object Target)
    {
        public bool IsRoom => SendMethod == "SendRoomMessage";
    }

    private sealed class Sender(int index, Api.User user, Conversation[] conversations)
    {
        public int Index { get; } = index;
        public Api.User User { get; } = user;
        public Conversation[] Conversations { get; } = conversations;
        public HubConnection? Connection { get; set; }
        public long Next;
        /// <summary>clientMessageId → what the service answered, for every send it acknowledged.</summary>
        public ConcurrentDictionary<string, Sent> Acked { get; } = new();
        /// <summary>clientMessageId → its conversation, for sends that got no answer.</summary>
        public ConcurrentDictionary<string, Conversation> Unacked { get; } = new();
    }

    /// <summary>A connection that only listens, from before the crash to the end, and catches up the README's way.</summary>
    private sealed class Watcher(Api.User user, Conversation[] conversations)
    {
        public Api.User User { get; } = user;
        public Conversation[] Conversations { get; } = conversations;
        public HubConnection? Connection { get; set; }
        public ConcurrentDictionary<long, long> FromEvents { get; } = new();
        public ConcurrentDictionary<long, long> FromSince { get; } = new();
        /// <summary>The highest version applied per conversation (by path).</summary>
        public ConcurrentDictionary<string, long> Versions { get; } = new();
    }

    /// <summary>The running child, so a driver that fails halfway does not leave it behind.</summary>
    private static Process? _service;

    public static async Task<int> CrashAsync(string baseUrl, string serviceDll, string logPath, int users, int workersPerUser,
        double secondsBefore, double secondsAfter)
    {
        try
        {
            return await RunCrashAsync(baseUrl, serviceDll, logPath, users, workersPerUser, secondsBefore, secondsAfter);
        }
        finally
        {
            if (_service is { HasExited: false })
                _service.Kill();
        }
    }

    private static async Task<int> RunCrashAsync(string baseUrl, string serviceDll, string logPath, int users, int workersPerUser,
        double secondsBefore, double secondsAfter)
    {
        var service = await StartServiceAsync(serviceDll, baseUrl, logPath);
        var api = new Api(baseUrl);
        var tag = Random.Shared.Next(1_000_000);

        // Users in pairs of friends (one direct conversation each) and all in one room; every
        // user sends to both of their conversations.
        var accounts = new Api.User[users];
        for (var i = 0; i < users; i++)
            accounts[i] = await api.RegisterAsync($"crash{tag}_{i}");
        var room = await api.PostAsync(accounts[0], "/rooms", new { name = $"crash {tag}", isPrivate = false });
        for (var i = 1; i < users; i++)
            await api.PostAsync(accounts[i], $"/rooms/{room}/join", new { });
        for (var i = 0; i + 1 < users; i += 2)
        {
            var request = await api.PostAsync(accounts[i], "/friends/request", new { toUserId = accounts[i + 1].Id });
            await api.PostAsync(accounts[i + 1], "/friends/response", new { requestId = request, accept = true });
        }
        var roomConversation = new Conversation("room", $"/rooms/{room}/messages", "SendRoomMessage", room);
        Conversation DirectWith(int i) => new($"direct {Math.Min(i, i ^ 1)}-{Math.Max(i, i ^ 1)}", $"/friends/{accounts[i ^ 1].Id}/messages",
            "SendDirectMessage", accounts[i ^ 1].Id);
        var senders = Enumerable.Range(0, users)
            .Select(i => new Sender(i, accounts[i], (i ^ 1) < users ? [roomConversation, DirectWith(i)] : [roomConversation])).ToArray();
        var watchers = senders.Select(s => new Watcher(s.User, s.Conversations)).ToArray();

        foreach (var watcher in watchers)
            await ConnectWatcherAsync(baseUrl, watcher);
        foreach (var sender in senders)
            sender.Connection = await ConnectAsync(baseUrl, sender.User, _ => { });

        // Steady sends until the kill; a send in flight when the process dies gets no answer.
        var killed = new CancellationTokenSource();
        var sending = senders.SelectMany(s => Enumerable.Range(0, workersPerUser).Select(_ => SendUntilAsync(s, killed.Token))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(secondsBefore));
        var ackedAtKill = senders.Sum(s => s.Acked.Count);
        service.Kill();
        await service.WaitForExitAsync();
        var killedAt = DateTime.UtcNow;
        killed.Cancel();
        await Task.WhenAll(sending);
        var unackedAtKill = senders.Sum(s => s.Unacked.Count);
        Console.WriteLine($"killed the service (SIGKILL) after {secondsBefore:0.#} s: {ackedAtKill} sends acknowledged, {unackedAtKill} unanswered");

        var versionsAtDrop = watchers.Select(w => new Dictionary<string, long>(w.Versions)).ToArray();
        service = await StartServiceAsync(serviceDll, baseUrl, logPath);
        Console.WriteLine("restarted the service");

        // Each watcher reconnects, then catches up: GET /conversations, and since= from the highest version it applied.
        var catchUps = new List<Task>();
        for (var w = 0; w < watchers.Length; w++)
        {
            await ConnectWatcherAsync(baseUrl, watchers[w]);
            catchUps.Add(CatchUpAsync(api, watchers[w], versionsAtDrop[w]));
        }
        // Every unanswered send again with its clientMessageId, then steady sends for a while more.
        var resent = 0;
        var resentAlreadyStored = 0;
        foreach (var sender in senders)
        {
            sender.Connection = await ConnectAsync(baseUrl, sender.User, _ => { });
            foreach (var (id, conversation) in sender.Unacked)
            {
                var message = await SendOnceAsync(sender, conversation, id);
                sender.Acked[id] = message;
                sender.Unacked.TryRemove(id, out _);
                resent++;
                if (message.CreatedAt < killedAt)
                    resentAlreadyStored++;
            }
        }
        await Task.WhenAll(catchUps);
        using (var more = new CancellationTokenSource(TimeSpan.FromSeconds(secondsAfter)))
            await Task.WhenAll(senders.SelectMany(s => Enumerable.Range(0, workersPerUser).Select(_ => SendUntilAsync(s, more.Token))));
        var failedAfter = senders.Sum(s => s.Unacked.Count);

        // The checks, through since=0 and GET /conversations on each conversation as one of its users reads it.
        var failures = new List<string>();
        var stored = new Dictionary<string, List<Sent>>();
        foreach (var (conversation, reader) in senders.SelectMany(s => s.Conversations.Select(c => (c, s))).DistinctBy(x => x.c.Name))
        {
            var items = await SinceAsync(api, reader.User, conversation.Path, 0);
            stored[conversation.Name] = items.Messages;
            var versions = items.Messages.Select(m => m.Version).ToList();
            if (versions.Zip(versions.Skip(1)).Any(p => p.First >= p.Second) || versions.FirstOrDefault(1) < 1)
                failures.Add($"{conversation.Name}: versions not unique and increasing");
            if (versions.Count > 0 && items.Version != versions[^1])
                failures.Add($"{conversation.Name}: conversation version {items.Version}, latest message {versions[^1]}");
            var listed = (await ConversationsAsync(api, reader.User)).GetValueOrDefault(conversation.Path);
            if (listed is null)
                failures.Add($"{conversation.Name}: missing from GET /conversations");
            else if (listed.Version != items.Version || listed.LastMessage?.Id != items.Messages.MaxBy(m => m.Id)?.Id)
                failures.Add($"{conversation.Name}: GET /conversations says version {listed.Version}, last message {listed.LastMessage?.Id}; " +
                             $"since=0 says {items.Version}, {items.Messages.MaxBy(m => m.Id)?.Id}");
        }
        var all = stored.Values.SelectMany(m => m).ToList();
        var byClientId = all.GroupBy(m => (m.SenderId, m.ClientMessageId)).ToDictionary(g => g.Key, g => g.ToList());
        var acked = senders.SelectMany(s => s.Acked.Select(a => (s.User.Id, a.Key, a.Value))).ToList();
        var lost = acked.Count(a => !byClientId.TryGetValue((a.Id, a.Key), out var found) || found.All(m => m.Id != a.Value.Id));
        var duplicated = byClientId.Count(g => g.Value.Count > 1);
        var ackedIds = acked.Select(a => a.Value.Id).ToHashSet();
        var unknown = all.Count(m => !ackedIds.Contains(m.Id));
        if (lost > 0) failures.Add($"{lost} acknowledged messages not stored as acknowledged");
        if (duplicated > 0) failures.Add($"{duplicated} clientMessageIds stored more than once");
        if (unknown > 0) failures.Add($"{unknown} stored messages no send acknowledged");
        if (failedAfter > 0) failures.Add($"{failedAfter} sends after the restart got no answer");

        // Every watcher ends with every message of its conversations, by events or by since=.
        var settle = Stopwatch.StartNew();
        bool Complete(Watcher w) => w.Conversations.All(c => stored[c.Name].All(m => w.FromEvents.ContainsKey(m.Id) || w.FromSince.ContainsKey(m.Id)));
        while (!watchers.All(Complete) && settle.Elapsed < TimeSpan.FromSeconds(15))
            await Task.Delay(100);
        var missing = watchers.Sum(w => w.Conversations.Sum(c => stored[c.Name].Count(m => !w.FromEvents.ContainsKey(m.Id) && !w.FromSince.ContainsKey(m.Id))));
        var recoveredOnlyBySince = watchers.Sum(w => w.FromSince.Keys.Count(id => !w.FromEvents.ContainsKey(id)));
        if (missing > 0) failures.Add($"{missing} messages a watcher has neither as an event nor through since=");

        service.Kill();
        await service.WaitForExitAsync();

        Console.WriteLine($"{users} users x {workersPerUser} senders each, {stored.Count} conversations");
        Console.WriteLine($"acknowledged: {acked.Count} in all ({ackedAtKill} before the kill); unanswered at the kill: {unackedAtKill}, " +
                          $"resent with their clientMessageId: {resent} ({resentAlreadyStored} had been stored before the kill, " +
                          $"{resent - resentAlreadyStored} were not)");
        Console.WriteLine($"stored: {all.Count} messages; lost {lost}, stored twice {duplicated}, unacknowledged extras {unknown}");
        Console.WriteLine($"watchers: {watchers.Length}, each connected before the kill and again after; received as events " +
                          $"{watchers.Sum(w => w.FromEvents.Count)}, recovered only through since= {recoveredOnlyBySince}, missing {missing}");
        Console.WriteLine(failures.Count == 0 ? "PASS" : "FAIL\n  " + string.Join("\n  ", failures));
        return failures.Count == 0 ? 0 : 1;
    }

    private static async Task SendUntilAsync(Sender sender, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref sender.Next);
            var conversation = sender.Conversations[n % sender.Conversations.Length];
            var id = $"{sender.Index}-{n}";
            try
            {
                sender.Acked[id] = await SendOnceAsync(sender, conversation, id);
            }
            catch (Exception)
            {
                // No answer: it may or may not have been stored. Resent after the restart.
                sender.Unacked[id] = conversation;
                return;
            }
        }
    }

    private static Task<Sent> SendOnceAsync(Sender sender, Conversation conversation, string clientMessageId) =>
        sender.Connection!.InvokeAsync<Sent>(conversation.SendMethod, conversation.IsRoom
            ? new { roomId = conversation.Target, body = $"message {clientMessageId}", clientMessageId }
            : new { toUserId = conversation.Target, body = $"message {clientMessageId}", clientMessageId });

    private static async Task ConnectWatcherAsync(string baseUrl, Watcher watcher) =>
        watcher.Connection = await ConnectAsync(baseUrl, watcher.User, connection =>
        {
            void Apply(Sent m)
            {
                watcher.FromEvents[m.Id] = m.Version;
                var path = watcher.Conversations.First(c => c.IsRoom == (m.RoomId is not null)).Path;
                watcher.Versions.AddOrUpdate(path, m.Version, (_, v) => Math.Max(v, m.Version));
            }
            connection.On<Sent>("MessageReceived", Apply);
        });

    /// <summary>The README's recipe: GET /conversations, then since= wherever the version is higher than the one applied.</summary>
    private static async Task CatchUpAsync(Api api, Watcher watcher, Dictionary<string, long> versions)
    {
        var listed = await ConversationsAsync(api, watcher.User);
        foreach (var conversation in watcher.Conversations)
        {
            var version = listed.GetValueOrDefault(conversation.Path)?.Version
                ?? throw new InvalidOperationException($"{conversation.Name} is missing from GET /conversations of user {watcher.User.Id}");
            if (version <= versions.GetValueOrDefault(conversation.Path))
                continue;
            foreach (var m in (await SinceAsync(api, watcher.User, conversation.Path, versions.GetValueOrDefault(conversation.Path))).Messages)
                watcher.FromSince[m.Id] = m.Version;
        }
    }

    /// <summary>GET /conversations of the user, by the history path of each conversation.</summary>
    private static async Task<Dictionary<string, Listed>> ConversationsAsync(Api api, Api.User user)
    {
        var response = await api.GetAsync(user, "/conversations?limit=100");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<Listed>>())!
            .ToDictionary(c => c.RoomId is { } room ? $"/rooms/{room}/messages" : $"/friends/{c.User!.Id}/messages");
    }

    private static async Task<(List<Sent> Messages, long Version)> SinceAsync(Api api, Api.User user, string path, long since)
    {
        var messages = new List<Sent>();
        Page page;
        do
        {
            var response = await api.GetAsync(user, $"{path}?since={(messages.Count > 0 ? messages[^1].Version : since)}&limit=100");
            response.EnsureSuccessStatusCode();
            page = (await response.Content.ReadFromJsonAsync<Page>())!;
            messages.AddRange(page.Items);
        } while (page.HasMore);
        return (messages, page.Version);
    }

    internal static async Task<HubConnection> ConnectAsync(string baseUrl, Api.User user, Action<HubConnection> listen)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(baseUrl), "/hubs/chat"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(user.AccessToken);
            })
            .Build();
        listen(connection);
        await connection.StartAsync();
        // Room subscriptions are in place once a first call is answered.
        try
        {
            await connection.InvokeAsync("NoSuchMethod");
        }
        catch (Microsoft.AspNetCore.SignalR.HubException)
        {
        }
        return connection;
    }

    /// <summary>The service as a child process, inheriting this process's environment, once it answers ready.</summary>
    internal static async Task<Process> StartServiceAsync(string serviceDll, string baseUrl, string logPath)
    {
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", [serviceDll]) { RedirectStandardOutput = true, RedirectStandardError = true },
        };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Start();
        _service = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(2) };
        for (var started = Stopwatch.StartNew(); started.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(200))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"the service exited with {process.ExitCode}; see {logPath}");
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                    return process;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
        }
        process.Kill();
        throw new TimeoutException($"the service did not answer ready within 60 s; see {logPath}");
    }
}
