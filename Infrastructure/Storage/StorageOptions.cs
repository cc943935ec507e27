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

    /// <summary>How often objects that storage refused to remove are tried again.</summary>
    public int SweepIntervalSeconds { get; set; } = 60;
}

public sealed class FilesOptions
{
    public const string Section = "Files";

    /// <summary>The largest file accepted, in bytes; a file of exactly this size is accepted.</summary>
    public long MaxUploadBytes { get; set; } = 25 * 1024 * 1024;
}
