using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Api;

/// <summary>
/// Behind a reverse proxy every request comes from the proxy: the client's own address and scheme
/// arrive in X-Forwarded-For and X-Forwarded-Proto. Those headers are believed only from the proxies
/// named here, since anyone else could send them to dodge the per-address limits. Off (nothing
/// named) by default.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. "10.0.0.5".</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. "10.0.0.0/8".</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row to read back through (X-Forwarded-For entries, right to left).</summary>
    public int ForwardLimit { get; set; } = 1;
}

public static class ProxyForwardingSetup
{
    public static IServiceCollection AddProxyForwarding(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(ForwardedHeadersSettings.Section).Get<ForwardedHeadersSettings>() ?? new ForwardedHeadersSettings();
        var proxies = settings.KnownProxies
            .Select(p => IPAddress.TryParse(p.Trim(), out var address) ? address : throw Unreadable("KnownProxies", p)).ToList();
        var networks = settings.KnownNetworks
            .Select(n => System.Net.IPNetwork.TryParse(n.Trim(), out var network) ? network : throw Unreadable("KnownNetworks", n)).ToList();
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = settings.ForwardLimit;
            // The framework trusts loopback by default; here only what is configured counts.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            proxies.ForEach(o.KnownProxies.Add);
            networks.ForEach(o.KnownIPNetworks.Add);
        });
        return services;
    }

    /// <summary>First in the pipeline, so that everything after it sees the client's address and scheme.</summary>
    public static WebApplication UseProxyForwarding(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (options.KnownProxies.Count > 0 || options.KnownIPNetworks.Count > 0)
            app.UseForwardedHeaders();
        return app;
    }

    private static InvalidOperationException Unreadable(string key, string entry) =>
        new($"{ForwardedHeadersSettings.Section}:{key} has \"{entry}\", which is not a valid entry.");
}
