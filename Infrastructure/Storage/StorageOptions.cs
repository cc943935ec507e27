namespace Messenger.Infrastructure.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>S3 endpoint as host:port.</summary>
    public string Endpoint { get; set; } = "127.0.0.1:4568";
    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";
    public string Bucket { get; set; } = "messenger";
    public bool UseSsl { get; set; }

    /// <summary>
    /// How long one call to storage may take, an upload's whole PUT included; past it the call
    /// fails as storage unavailable (503).
    /// </summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>How often objects no row needs are looked for and removed.</summary>
    public int SweepIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// How long an object recorded as about to be written may wait for its row before the sweeper
    /// takes it as left behind by a process that died. Far above TimeoutSeconds: an upload still
    /// finishing must not lose its object (and if one did run this long, its row would be refused).
    /// </summary>
    public int PendingGraceSeconds { get; set; } = 900;
}

public sealed class FilesOptions
{
    public const string Section = "Files";

    /// <summary>The largest file accepted, in bytes; a file of exactly this size is accepted.</summary>
    public long MaxUploadBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>Uploads (files and avatars) this process receives or stores at once; past it, 503.</summary>
    public int MaxConcurrentUploads { get; set; } = 32;

    /// <summary>Uploads one user may have in progress at once; past it, 429.</summary>
    public int MaxConcurrentUploadsPerUser { get; set; } = 4;
}
