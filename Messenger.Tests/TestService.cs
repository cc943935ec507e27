using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messenger.Tests;

/// <summary>
/// A service of a test's own, with some settings changed from the suite's, on Kestrel like the
/// suite's own and on the same database.
/// </summary>
public sealed class TestService : IAsyncDisposable
{
    private readonly Testing.MessengerFactory _factory;

    public TestService(Dictionary<string, string?> changes)
    {
        var settings = Testing.TestSettings();
        foreach (var (key, value) in changes)
            settings[key] = value;
        _factory = new Testing.MessengerFactory(settings);
        _factory.UseKestrel(0);
        _factory.StartServer();
        Address = new Uri(_factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    public Uri Address { get; }

    public IServiceProvider Services => _factory.Services;

    public HttpClient Client(string? accessToken = null)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = Address, HandleCookies = false });
        if (accessToken is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    public Task<HubClient> ConnectAsync(string accessToken) => HubClient.ConnectAsync(accessToken, Address);

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
