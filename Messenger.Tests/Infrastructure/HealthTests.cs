using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

public sealed class HealthTests
{
    [Test]
    public async Task Live_answers_200_without_a_token()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/health/live");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Ready_answers_200_and_reports_the_database()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/health/ready");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(report.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
        Assert.That(report.GetProperty("checks").GetProperty("database").GetString(), Is.EqualTo("Healthy"));
    }

    [Test]
    public async Task Ready_stays_healthy_while_every_pooled_connection_of_the_requests_is_taken()
    {
        await using var service = new OwnService(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Messenger"] = ConnectionString + ";Maximum Pool Size=2;Connection Timeout=2",
        });
        var pool = service.Services.GetRequiredService<MySqlDataSource>();
        await using var first = await pool.OpenConnectionAsync();
        await using var second = await pool.OpenConnectionAsync();

        var response = await service.Client().GetAsync("/health/ready");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }
}
