using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Messenger.Bench;

/// <summary>
/// (b) Many real SignalR clients in rooms of ten; messages sent over the socket at a fixed rate.
/// Reports send→deliver and ack latency, deliveries expected against received, and the service
/// process's CPU and memory.
/// </summary>
public static class FanoutBench
{
    private sealed record Incoming(long Id, string Body);

    public static async Task<int> RunAsync(string baseUrl, int servicePid, int clients, int roomSize, int rate, int seconds)
    {
        var api = new Api(baseUrl);
        var tag = Random.Shared.Next(1_000_000);
        var setup = Stopwatch.StartNew();

        var users = new Api.User[clients];
        await Parallel.ForAsync(0, clients, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => users[i] = await api.RegisterAsync($"fan{tag}_{i}"));
        var rooms = new long[clients / roomSize];
        await Parallel.ForAsync(0, rooms.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (r, _) => rooms[r] = await api.PostAsync(users[r * roomSize], "/rooms", new { name = $"bench {tag} {r}", isPrivate = false }));
        await Parallel.ForAsync(0, clients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            if (i % roomSize != 0)
                await api.PostAsync(users[i], $"/rooms/{rooms[i / roomSize]}/join", new { });
        });
        Console.WriteLine($"{clients} users in {rooms.Length} rooms of {roomSize} arranged in {setup.Elapsed.TotalSeconds:0.0} s");

        var delivered = new ConcurrentBag<double>();
        long received = 0;
        var connections = new HubConnection[clients];
        setup.Restart();
        await Parallel.ForAsync(0, clients, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(new Uri(baseUrl), "/hubs/chat"), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                    o.AccessTokenProvider = () => Task.FromResult<string?>(users[i].AccessToken);
                })
                .Build();
            connection.On<Incoming>("MessageReceived", message =>
            {
                var sentAt = long.Parse(message.Body);
                delivered.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
                Interlocked.Increment(ref received);
            });
            await connection.StartAsync();
            connections[i] = connection;
        });
        Console.WriteLine($"{clients} WebSocket connections open in {setup.Elapsed.TotalSeconds:0.0} s");

        var cpuBefore = CpuSeconds(servicePid);
        var acks = new ConcurrentBag<double>();
        long failed = 0, next = -1;
        var total = (long)rate * seconds;
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, 200).Select(async _ =>
        {
            for (var n = Interlocked.Increment(ref next); n < total; n = Interlocked.Increment(ref next))
            {
                var due = start + n * Stopwatch.Frequency / rate;
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait);
                // Senders take turns round the whole population: each sends well under the per-user rate limit.
                var sender = (int)(n % clients);
                var sentAt = Stopwatch.GetTimestamp();
                try
                {
                    await connections[sender].InvokeAsync<Incoming>("SendRoomMessage",
                        new { roomId = rooms[sender / roomSize], body = sentAt.ToString(), clientMessageId = $"{tag}-{n}" });
                    acks.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
                }
                catch (Exception e)
                {
                    if (Interlocked.Increment(ref failed) <= 5)
                        Console.WriteLine($"send {n} failed: {e.Message}");
                }
            }
        }).ToList();
        await Task.WhenAll(workers);
        var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpuAfter = CpuSeconds(servicePid);
        var expected = (total - failed) * roomSize;
        var settle = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < expected && settle.Elapsed < TimeSpan.FromSeconds(15))
            await Task.Delay(100);

        Console.WriteLine($"sent {total - failed:N0} of {total:N0} messages over the socket in {sendSeconds:0.0} s " +
                          $"({(total - failed) / sendSeconds:0} msg/s), {failed} failed");
        Console.WriteLine($"deliveries: expected {expected:N0}, received {Interlocked.Read(ref received):N0}");
        Console.WriteLine($"send->deliver: {Stats.Summary(delivered, withTail: true)}");
        Console.WriteLine($"ack (invoke round trip): {Stats.Summary(acks, withTail: true)}");
        Console.WriteLine($"service CPU while sending: {(cpuAfter - cpuBefore) / sendSeconds / Environment.ProcessorCount * 100:0}% of " +
                          $"{Environment.ProcessorCount} cores; memory {Memory(servicePid)}");

        await Parallel.ForEachAsync(connections, async (connection, _) => await connection.DisposeAsync());
        return failed == 0 ? 0 : 1;
    }

    private static double CpuSeconds(int pid)
    {
        // Fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks (100 per second).
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    private static string Memory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        string Field(string name) => status.First(l => l.StartsWith(name)).Split(':')[1].Trim();
        return $"RSS {Field("VmRSS")}, peak {Field("VmHWM")}";
    }
}
