using System.Net;
using System.Net.Http.Headers;
using Messenger.Infrastructure.Errors;
using Microsoft.Extensions.Options;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace Messenger.Infrastructure.Storage;

/// <summary>
/// The object operations the slices need, over any S3-compatible store. A store that cannot be
/// reached, or refuses, surfaces as <see cref="StorageUnavailableException"/> (503).
/// </summary>
public sealed class ObjectStorage(IMinioClient minio, IOptions<StorageOptions> options, ILogger<ObjectStorage> logger)
{
    private readonly string _bucket = options.Value.Bucket;
    private volatile bool _bucketReady;

    /// <summary>Creates the bucket if missing. Remembered once it succeeds, so uploads after a late start pay for it once.</summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (_bucketReady)
            return;
        await Guard(async () =>
        {
            if (!await minio.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket), cancellationToken))
                await minio.MakeBucketAsync(new MakeBucketArgs().WithBucket(_bucket), cancellationToken);
            return true;
        }, cancellationToken);
        _bucketReady = true;
    }

    public Task<bool> BucketExistsAsync(CancellationToken cancellationToken) =>
        Guard(() => minio.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket), cancellationToken), cancellationToken);

    /// <summary>
    /// Writes the stream to a new object. With a known length under 5 MiB Minio sends one PUT;
    /// with length -1 (still unknown) it sends a multipart upload, holding one 16 MiB part at a
    /// time whatever the file's size.
    /// </summary>
    public async Task PutAsync(string key, Stream content, long length, string contentType, CancellationToken cancellationToken)
    {
        await EnsureBucketAsync(cancellationToken);
        try
        {
            await Guard(() => minio.PutObjectAsync(new PutObjectArgs().WithBucket(_bucket).WithObject(key)
                .WithStreamData(content).WithObjectSize(length).WithContentType(contentType), cancellationToken), cancellationToken);
        }
        catch (StorageUnavailableException)
        {
            // The store may have come back empty: look for the bucket again next time.
            _bucketReady = false;
            throw;
        }
    }

    /// <summary>
    /// Streams <paramref name="length"/> bytes of the object from <paramref name="offset"/>; the
    /// caller disposes the stream. Reads go through a presigned URL on Minio's own HttpClient
    /// because Minio 7.0.0 treats a 206 answer as an error (minio-dotnet#1342).
    /// </summary>
    public async Task<Stream> OpenReadAsync(string key, long offset, long length, long objectSize, CancellationToken cancellationToken)
    {
        var ranged = offset > 0 || length < objectSize;
        var response = await Guard(async () =>
        {
            var url = await minio.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(_bucket).WithObject(key).WithExpiry(60));
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (ranged)
                request.Headers.Range = new RangeHeaderValue(offset, offset + length - 1);
            return await minio.Config.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }, cancellationToken);

        var status = response.StatusCode;
        if (status == (ranged ? HttpStatusCode.PartialContent : HttpStatusCode.OK))
            return await response.Content.ReadAsStreamAsync(cancellationToken);
        response.Dispose();
        // A replace or delete committed between reading the row and opening its object: the
        // version asked for is gone, as the file may be.
        if (status == HttpStatusCode.NotFound)
            throw new NotFoundException("The file was replaced or deleted while it was being read; ask again.");
        logger.LogWarning("Object storage answered {Status} reading {Key}", (int)status, key);
        throw new StorageUnavailableException();
    }

    /// <summary>Removing an object that is already gone succeeds.</summary>
    public Task RemoveAsync(string key, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await minio.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(key), cancellationToken);
            return true;
        }, cancellationToken);

    private async Task<T> Guard<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        // Refused connections, timeouts and error answers from the store; not the caller's own
        // cancellation, and not errors from reading the upload (those keep their own status).
        catch (Exception e) when (e is HttpRequestException or MinioException
                                      || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning("Object storage is unavailable: {Reason}", e.Message);
            throw new StorageUnavailableException();
        }
    }
}
