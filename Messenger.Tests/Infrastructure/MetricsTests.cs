using System.Globalization;
using Messenger.Features.Messages.SendDirectMessage;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>
/// GET /metrics as Prometheus scrapes it. The registry is per process and outlives each test, so
/// every assertion compares a sample before and after the thing it measures.
/// </summary>
public sealed class MetricsTests : TestBase
{
    [Test]
    public async Task Metrics_answer_200_in_prometheus_text_without_a_token()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/metrics");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("# TYPE http_requests_received_total counter"));
    }

    [Test]
    public async Task A_request_counts_under_its_route_template_method_and_status()
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(alice.AccessToken);
        (string, string)[] me = [("endpoint", "/users/me"), ("method", "GET"), ("code", "200")];
        // A 404 the handler throws: the problem is written after the exception handler has cleared the endpoint.
        (string, string)[] unknownUser = [("endpoint", "/users/{id:long}"), ("method", "GET"), ("code", "404")];
        var before = await ScrapeAsync();

        Assert.That((await client.GetAsync("/users/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await client.GetAsync("/users/999999")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        // The count is taken around the latency, so once both counts moved both latencies are in.
        var after = await ScrapeUntilAsync(s => Sample(s, "http_requests_received_total", me) > Sample(before, "http_requests_received_total", me)
            && Sample(s, "http_requests_received_total", unknownUser) > Sample(before, "http_requests_received_total", unknownUser));
        Assert.That(Sample(after, "http_requests_received_total", me), Is.EqualTo(Sample(before, "http_requests_received_total", me) + 1));
        Assert.That(Sample(after, "http_request_duration_seconds_count", me), Is.EqualTo(Sample(before, "http_request_duration_seconds_count", me) + 1));
        Assert.That(Sample(after, "http_requests_received_total", unknownUser), Is.EqualTo(Sample(before, "http_requests_received_total", unknownUser) + 1));
    }

    [Test]
    public async Task An_unmatched_path_counts_under_an_empty_route_never_its_raw_path()
    {
        using var client = CreateClient();
        (string, string)[] unmatched = [("endpoint", ""), ("code", "404")];
        var before = await ScrapeAsync();

        Assert.That((await client.GetAsync("/no/such/path/12345")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var after = await ScrapeUntilAsync(s => Sample(s, "http_requests_received_total", unmatched) > Sample(before, "http_requests_received_total", unmatched));
        Assert.That(Sample(after, "http_requests_received_total", unmatched), Is.EqualTo(Sample(before, "http_requests_received_total", unmatched) + 1));
        Assert.That(after, Does.Not.Contain("/no/such/path"));
    }

    [Test]
    public async Task A_hub_call_counts_under_its_method_and_outcome()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var tab = await HubClient.ConnectAsync(alice.AccessToken);
        (string, string)[] ok = [("method", "StartTyping"), ("status", "ok")];
        (string, string)[] invalid = [("method", "StartTyping"), ("status", "400")];
        var before = await ScrapeAsync();

        await tab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id });
        Assert.ThrowsAsync<HubException>(() => tab.InvokeAsync("StartTyping", new { }));

        var after = await ScrapeAsync();
        Assert.That(Sample(after, "messenger_hub_method_duration_seconds_count", ok),
            Is.EqualTo(Sample(before, "messenger_hub_method_duration_seconds_count", ok) + 1));
        Assert.That(Sample(after, "messenger_hub_method_duration_seconds_count", invalid),
            Is.EqualTo(Sample(before, "messenger_hub_method_duration_seconds_count", invalid) + 1));
    }

    [Test]
    public async Task The_open_connections_gauge_follows_a_real_connection()
    {
        var alice = await RegisterAsync("alice");
        var before = Sample(await ScrapeAsync(), "messenger_hub_connections");

        var tab = await HubClient.ConnectAsync(alice.AccessToken);
        var open = await ScrapeAsync();
        Assert.That(Sample(open, "messenger_hub_connections"), Is.EqualTo(before + 1));
        // The socket's request is as long as the connection: it stays out of the HTTP latencies.
        Assert.That(open, Does.Not.Contain("endpoint=\"/hubs/chat\""));

        await tab.DisposeAsync();
        var closed = await ScrapeUntilAsync(s => Sample(s, "messenger_hub_connections") <= before);
        Assert.That(Sample(closed, "messenger_hub_connections"), Is.EqualTo(before));
    }

    [Test]
    public async Task The_chat_counters_and_the_database_pool_are_published()
    {
        await RegisterAsync("alice");

        var scrape = await ScrapeAsync();

        foreach (var counter in new[] { "messenger_messages_stored_total", "messenger_events_sent_total", "messenger_connections_closed_slow_total" })
            Assert.That(scrape, Does.Contain($"# TYPE {counter} counter"));
        // Per process: the suite's own services with smaller pools set it too, so only its presence is certain.
        Assert.That(Sample(scrape, "messenger_db_pool_max_connections"), Is.GreaterThan(0));
        // Registering opened and returned connections: the pool holds some now.
        Assert.That(Sample(scrape, "messenger_db_pool_connections", ("state", "idle")) + Sample(scrape, "messenger_db_pool_connections", ("state", "used")),
            Is.GreaterThan(0));
        Assert.That(Sample(scrape, "messenger_db_pool_wait_seconds_count"), Is.GreaterThan(0));
    }

    [Test]
    public async Task A_message_counts_once_as_stored_and_its_event_as_sent()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var before = await ScrapeAsync();

        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "hi", null, "once"));
        await SendAsync(new SendDirectMessage.Command(alice.User.Id, bob.User.Id, "hi", null, "once"));

        var after = await ScrapeAsync();
        Assert.That(Sample(after, "messenger_messages_stored_total") - Sample(before, "messenger_messages_stored_total"), Is.EqualTo(1));
        Assert.That(Sample(after, "messenger_events_sent_total", ("event", "MessageReceived")) -
                    Sample(before, "messenger_events_sent_total", ("event", "MessageReceived")), Is.EqualTo(1));
    }

    private static async Task<string> ScrapeAsync()
    {
        using var client = CreateClient();
        return await client.GetStringAsync("/metrics");
    }

    /// <summary>
    /// Request metrics are recorded once the response has gone out, and a disconnect is handled
    /// after the client has let go: scrapes until <paramref name="done"/> holds, for up to 5 s,
    /// and returns the last scrape for the test to assert on.
    /// </summary>
    private static async Task<string> ScrapeUntilAsync(Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var scrape = await ScrapeAsync();
        while (!done(scrape) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            scrape = await ScrapeAsync();
        }
        return scrape;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> that carry all these labels; 0 when there are none.</summary>
    private static double Sample(string scrape, string name, params (string Label, string Value)[] labels) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(name + "{") || line.StartsWith(name + " "))
            .Where(line => labels.All(l => line.Contains($"{{{l.Label}=\"{l.Value}\"") || line.Contains($",{l.Label}=\"{l.Value}\"")))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
