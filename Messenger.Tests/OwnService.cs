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
/// The service started again for one test or fixture, with settings of its own (another store, a
/// lower limit), on Kestrel and the suite's database like the suite's own service, so users
/// registered through <see cref="Testing"/> sign in here too.
/// </summary>
public sealed class OwnService : IAsyncDisposable
{
    private readonly MessengerFactory _factory;

    public OwnService(Action<Dictionary<string, string?>> configure)
    {
        var settings = TestSettings();
        configure(settings);
        _factory = new MessengerFactory(settings);
        _factory.UseKestrel(0);
        _factory.StartServer();
        Address = new Uri(_factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.First());
    }

    public OwnService(IReadOnlyDictionary<string, string?> changes) : this(settings =>
    {
        foreach (var (key, value) in changes)
            settings[key] = value;
    })
    {
    }

    /// <summary>Against an s3rver of the fixture's own, with the bucket <paramref name="bucket"/>.</summary>
    public static OwnService On(S3rverProcess storage, string bucket, Action<Dictionary<string, string?>>? configure = null) =>
        new(settings =>
        {
            settings["Storage:Endpoint"] = storage.Endpoint;
            settings["Storage:Bucket"] = bucket;
            configure?.Invoke(settings);
        });

    public Uri Address { get; }

    public IServiceProvider Services => _factory.Services;

    public T Service<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

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
