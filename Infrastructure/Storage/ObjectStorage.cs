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
/// reached, refuses, or takes longer than Storage:TimeoutSeconds for one call surfaces as
/// <see cref="StorageUnavailableException"/> (503).
/// </summary>
public sealed class ObjectStorage(IMinioClient minio, IOptions<StorageOptions> options, ILogger<ObjectStorage> logger)
{
    /// <summary>Presigned URLs are used at once; this only has to outlast a clock skew.</summary>
    private const int UrlExpirySeconds = 60;

    private readonly string _bucket = options.Value.Bucket;
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
    private volatile bool _bucketReady;

    /// <summary>Creates the bucket if missing. Remembered once it succeeds, so uploads after a late start pay for it once.</summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (_bucketReady)
            return;
        await Guard(async deadline =>
        {
            if (!await minio.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket), deadline))
                await minio.MakeBucketAsync(new MakeBucketArgs().WithBucket(_bucket), deadline);
            return true;
        }, cancellationToken);
        _bucketReady = true;
    }

    public Task<bool> BucketExistsAsync(CancellationToken cancellationToken) =>
        Guard(deadline => minio.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket), deadline), cancellationToken);

    /// <summary>
    /// Writes the seekable <paramref name="content"/>, from its position to its end (the caller
    /// keeps the stream), to a new object in one PUT of known length, whatever the size: never a multipart upload, which a failure could leave unfinished in the bucket.
    /// The PUT goes through a presigned URL on Minio's own HttpClient because Minio's
    /// PutObjectAsync sends anything from 5 MiB as a multipart upload, and reads a smaller file
    /// whole into memory first.
    /// </summary>
    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        await EnsureBucketAsync(cancellationToken);
        try
        {
            await Guard(async deadline =>
            {
                var url = await minio.PresignedPutObjectAsync(new PresignedPutObjectArgs().WithBucket(_bucket).WithObject(key)
                    .WithExpiry(UrlExpirySeconds));
                using var request = new HttpRequestMessage(HttpMethod.Put, url)
                {
                    Content = new BorrowedStreamContent(content, contentType),
                };
                using var response = await minio.Config.HttpClient.SendAsync(request, deadline);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    logger.LogWarning("Object storage answered {Status} writing {Key}", (int)response.StatusCode, key);
                    throw new StorageUnavailableException();
                }
                return true;
            }, cancellationToken);
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
    /// because Minio 7.0.0 treats a 206 answer as an error (minio-dotnet#1342). The timeout
    /// covers the answer's headers; the bytes then flow at the reader's pace.
    /// </summary>
    public async Task<Stream> OpenReadAsync(string key, long offset, long length, long objectSize, CancellationToken cancellationToken)
    {
        var ranged = offset > 0 || length < objectSize;
        var response = await Guard(async deadline =>
        {
            var url = await minio.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(_bucket).WithObject(key)
                .WithExpiry(UrlExpirySeconds));
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (ranged)
                request.Headers.Range = new RangeHeaderValue(offset, offset + length - 1);
            return await minio.Config.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline);
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
        Guard(async deadline =>
        {
            await minio.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(key), deadline);
            return true;
        }, cancellationToken);

    /// <summary>Runs one call to storage under its own deadline of Storage:TimeoutSeconds.</summary>
    private async Task<T> Guard<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            return await action(deadline.Token);
        }
        // Refused connections, error answers and calls past the deadline; not the caller's own cancellation.
        catch (Exception e) when (e is HttpRequestException or MinioException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            if (e is OperationCanceledException)
                logger.LogWarning("Object storage did not answer within {Timeout}", _timeout);
            else
                logger.LogWarning("Object storage is unavailable: {Reason}", e.Message);
            throw new StorageUnavailableException();
        }
    }

    /// <summary>
    /// A request body read from the caller's stream, which it neither disposes nor leaves
    /// mid-way: each send starts again from where the stream stood, so a retry on a fresh
    /// connection sends the same bytes.
    /// </summary>
    private sealed class BorrowedStreamContent : HttpContent
    {
        private readonly Stream _content;
        private readonly long _start;

        public BorrowedStreamContent(Stream content, string contentType)
        {
            _content = content;
            _start = content.Position;
            Headers.ContentType = MediaTypeHeaderValue.TryParse(contentType, out var type)
                ? type
                : new MediaTypeHeaderValue("application/octet-stream");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            _content.Position = _start;
            await _content.CopyToAsync(stream, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _content.Length - _start;
            return true;
        }
    }
}
