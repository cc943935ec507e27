using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using static Messenger.Tests.Testing;

namespace Messenger.Tests;

/// <summary>
/// The service with settings of a test's own, on Kestrel like the suite's and against the same
/// database, so users registered through <see cref="Testing"/> sign in here too.
/// </summary>
public sealed class OwnService : IAsyncDisposable
{
    private readonly MessengerFactory _factory;

    public OwnService(IReadOnlyDictionary<string, string?> changes)
    {
        var settings = TestSettings();
        foreach (var (key, value) in changes)
            settings[key] = value;
        _factory = new MessengerFactory(settings);
        _factory.UseKestrel(0);
        _factory.StartServer();
        Address = new Uri(_factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.First());
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

    /// <summary>A bare SignalR connection, started.</summary>
    public async Task<HubConnection> ConnectHubAsync(string accessToken)
    {
        var connection = HubClient.Build(accessToken, Address);
        await connection.StartAsync();
        return connection;
    }

    /// <summary>A <see cref="HubClient"/> that records the events it receives.</summary>
    public Task<HubClient> ConnectAsync(string accessToken) => HubClient.ConnectAsync(accessToken, Address);

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
