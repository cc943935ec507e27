using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>X-Forwarded-For and X-Forwarded-Proto, believed only from configured proxies; and the refresh cookie's Secure flag.</summary>
public sealed class ProxyForwardingTests : TestBase
{
    [Test]
    public async Task Without_configured_proxies_forwarded_addresses_are_ignored()
    {
        using var client = CreateClient();
        for (var i = 0; i < 50; i++)
            Assert.That((await FailedLoginAsync(client, $"guess{i}", $"203.0.113.{i}")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        var response = await FailedLoginAsync(client, "another", "198.51.100.1");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "all fifty came from 127.0.0.1, whatever they claimed");
    }

    [Test]
    public async Task From_a_configured_proxy_the_forwarded_client_address_is_the_one_counted()
    {
        await using var service = new OwnService(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("ForwardedHeaders:KnownProxies:1", "::1"));
        using var client = service.Client();
        for (var i = 0; i < 50; i++)
            Assert.That((await FailedLoginAsync(client, $"guess{i}", "203.0.113.7")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        var sameClient = await FailedLoginAsync(client, "another", "203.0.113.7");
        var otherClient = await FailedLoginAsync(client, "another", "203.0.113.8");

        Assert.That(sameClient.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(otherClient.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "another client behind the same proxy is not blocked");
    }

    [Test]
    public async Task Configured_off_the_cookie_is_secure_only_over_https_as_a_configured_proxy_reports_it()
    {
        await using var service = new OwnService(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("ForwardedHeaders:KnownProxies:1", "::1"),
            ("RefreshCookie:Secure", "false"));
        using var client = service.Client();

        var overHttp = await RegisterCookieAsync(client, "alice", proto: null);
        var overHttps = await RegisterCookieAsync(client, "bob", proto: "https");

        Assert.That(overHttp, Does.Not.Contain("secure"));
        Assert.That(overHttps, Does.Contain("secure"));
    }

    [Test]
    public async Task In_development_the_cookie_over_plain_http_is_not_secure()
    {
        await using var service = new OwnService("Development");
        using var client = service.Client();

        Assert.That(await RegisterCookieAsync(client, "alice", proto: null), Does.Not.Contain("secure"));
    }

    private static Task<HttpResponseMessage> FailedLoginAsync(HttpClient client, string login, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { login, password = "wrong-password" }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    private static async Task<string> RegisterCookieAsync(HttpClient client, string username, string? proto)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/register")
        {
            Content = JsonContent.Create(new { username, email = $"{username}@example.com", password = Password }),
        };
        if (proto is not null)
            request.Headers.Add("X-Forwarded-Proto", proto);
        var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return response.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant();
    }

    /// <summary>A service of its own on Kestrel, on the suite's database, with settings changed.</summary>
    private sealed class OwnService : IAsyncDisposable
    {
        private readonly MessengerFactory _factory;
        private readonly Uri _address;

        public OwnService(params (string Key, string Value)[] changes) : this("Testing", changes)
        {
        }

        public OwnService(string environment, params (string Key, string Value)[] changes)
        {
            var settings = TestSettings();
            foreach (var (key, value) in changes)
                settings[key] = value;
            _factory = new MessengerFactory(settings, environment);
            _factory.UseKestrel(0);
            _factory.StartServer();
            _address = new Uri(_factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        }

        public HttpClient Client() => _factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = _address, HandleCookies = false });

        public ValueTask DisposeAsync() => _factory.DisposeAsync();
    }
}
