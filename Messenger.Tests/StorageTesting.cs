using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Messenger.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using MySqlConnector;
using static Messenger.Tests.Testing;

namespace Messenger.Tests;

/// <summary>
/// Tests that write objects: the database starts empty, and the objects the rows still reference
/// are removed afterwards so the shared test bucket does not grow run after run.
/// </summary>
public abstract class StorageTestBase : TestBase
{
    [TearDown]
    public async Task RemoveObjects()
    {
        await using var db = new MySqlConnection(ConnectionString);
        var keys = await db.QueryAsync<string>("""
            SELECT object_key FROM files UNION SELECT object_key FROM orphan_objects UNION SELECT object_key FROM pending_objects
            """);
        foreach (var key in keys)
            await Service<ObjectStorage>().RemoveAsync(key, CancellationToken.None);
    }
}

public static class StorageTesting
{
    public const long MiB = 1024 * 1024;

    public static readonly byte[] PngHeader = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];

    /// <summary>Bytes that differ from run to run and position to position, so a misplaced byte shows.</summary>
    public static byte[] RandomBytes(long length, byte[]? prefix = null)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        prefix?.CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>multipart/form-data with the bytes in the field "file", Content-Length declared.</summary>
    public static MultipartFormDataContent FileForm(byte[] bytes, string fileName = "data.bin", string? contentType = "application/octet-stream")
    {
        var file = new ByteArrayContent(bytes);
        if (contentType is not null)
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    /// <summary>The same form sent chunked: a stream that cannot tell its length leaves Content-Length out.</summary>
    public static MultipartFormDataContent ChunkedFileForm(byte[] bytes, string fileName = "data.bin")
    {
        var file = new StreamContent(new UnknownLengthStream(bytes));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    /// <summary>A multipart body written byte for byte, for names and framing HttpClient would not send.</summary>
    public static ByteArrayContent RawMultipart(string body, string boundary = "b0undary")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.Replace("\n", "\r\n")));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return content;
    }

    public static async Task<Messenger.Features.Files.FileInfo> UploadAsync(HttpClient client, byte[] bytes, string fileName = "data.bin",
        string? contentType = "application/octet-stream")
    {
        var response = await client.PostAsync("/files/upload", FileForm(bytes, fileName, contentType));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Messenger.Features.Files.FileInfo>())!;
    }

    /// <summary>Signs up a user and returns a client carrying their token.</summary>
    public static async Task<(long Id, HttpClient Client)> SignedInAsync(string username)
    {
        var auth = await RegisterAsync(username);
        return (auth.User.Id, CreateClient(auth.AccessToken));
    }

    public static Task<string> ObjectKeyAsync(long fileId) =>
        QuerySingleAsync<string>("SELECT object_key FROM files WHERE id = @FileId", new { FileId = fileId });

    public static Task<long> CountAsync(string table) => QuerySingleAsync<long>($"SELECT COUNT(*) FROM {table}");

    /// <summary>Asks the store itself, through the service's own client and bucket.</summary>
    public static async Task<bool> ObjectExistsAsync(string key, IServiceProvider? services = null)
    {
        services ??= Service<IServiceProvider>();
        var bucket = services.GetRequiredService<IOptions<StorageOptions>>().Value.Bucket;
        try
        {
            await services.GetRequiredService<IMinioClient>().StatObjectAsync(new StatObjectArgs().WithBucket(bucket).WithObject(key));
            return true;
        }
        catch (ObjectNotFoundException)
        {
            return false;
        }
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        if (field is not null)
            Assert.That(body, Does.Contain($"\"{field}\""), body);
    }

    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>
/// An upload whose body stops half way until released: a slow client keeping its upload open.
/// The request goes out chunked at once; the response comes once released.
/// </summary>
public sealed class HeldUpload
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Sent to where <paramref name="client"/> goes, with its token.</summary>
    public HeldUpload(HttpClient client)
    {
        // A plain client: the test server's own hold a request body back until it is complete.
        var sender = new HttpClient { BaseAddress = client.BaseAddress };
        sender.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        var bytes = StorageTesting.RandomBytes(128 * 1024);
        var file = new StreamContent(new GatedStream(bytes, bytes.Length / 2, _release.Task));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Response = SendAsync(sender, new MultipartFormDataContent { { file, "file", "slow.bin" } });
    }

    public Task<HttpResponseMessage> Response { get; }

    public void Release() => _release.TrySetResult();

    private static async Task<HttpResponseMessage> SendAsync(HttpClient sender, HttpContent form)
    {
        using (sender)
            return await sender.PostAsync("/files/upload", form);
    }

    private sealed class GatedStream(byte[] bytes, int before, Task gate) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= before)
                await gate.WaitAsync(cancellationToken);
            var room = Position < before ? (int)Math.Min(buffer.Length, before - Position) : buffer.Length;
            return await base.ReadAsync(buffer[..room], cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
