using Messenger.Infrastructure.Errors;
using Minio;

namespace Messenger.Infrastructure.Storage;

public static class StorageSetup
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageOptions.Section);
        var options = section.Get<StorageOptions>() ?? new StorageOptions();
        services.Configure<StorageOptions>(section);
        services.Configure<FilesOptions>(configuration.GetSection(FilesOptions.Section));

        services.AddSingleton<IMinioClient>(_ => new MinioClient()
            .WithEndpoint(options.Endpoint)
            .WithCredentials(options.AccessKey, options.SecretKey)
            .WithSSL(options.UseSsl)
            // Each call has its own deadline, Storage:TimeoutSeconds (ObjectStorage); HttpClient's
            // 100 s default would only cut a long upload short.
            .WithHttpClient(new HttpClient(new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            }) { Timeout = Timeout.InfiniteTimeSpan }, disposeHttpClient: true)
            .Build());
        services.AddSingleton<ObjectStorage>();
        services.AddSingleton<OrphanObjects>();
        services.AddSingleton<UploadSlots>();
        services.AddHostedService<OrphanSweeper>();
        return services;
    }

    /// <summary>
    /// Creates the bucket if missing. Storage being down does not stop the service: it starts,
    /// /health/ready reports storage, uploads answer 503, and the bucket is made on the first
    /// upload once storage answers.
    /// </summary>
    public static WebApplication EnsureStorageBucket(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<ObjectStorage>().EnsureBucketAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (StorageUnavailableException)
        {
            app.Logger.LogWarning("Starting without object storage; /health/ready reports it until it answers.");
        }
        return app;
    }
}
