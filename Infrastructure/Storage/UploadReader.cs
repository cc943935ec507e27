using System.Globalization;
using System.Text;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Messenger.Infrastructure.Storage;

/// <summary>A file arriving in a multipart request; its bytes are read once, on their way to storage.</summary>
public sealed record Upload(string FileName, string ContentType, UploadStream Content);

/// <summary>
/// Finds the <c>file</c> field of a multipart/form-data request without buffering it: no form
/// binding, which would spool the whole file to memory or disk before the endpoint runs.
/// </summary>
public static class UploadReader
{
    public const string Field = "file";

    /// <summary>Room for the multipart framing around the file; the file itself is held to its exact limit.</summary>
    private const long FramingAllowance = 64 * 1024;

    private const int MaxFileNameLength = 255;

    /// <summary>Lets the endpoint's requests past the server's 1 MiB default and describes the body for OpenAPI.</summary>
    public static RouteHandlerBuilder AcceptsUpload(this RouteHandlerBuilder builder, long maxFileBytes) =>
        builder.WithMetadata(new RequestSizeLimitAttribute(maxFileBytes + FramingAllowance))
            .Accepts<UploadForm>("multipart/form-data");

    /// <summary>Only describes the multipart body in OpenAPI: one binary field named <c>file</c>.</summary>
    public sealed record UploadForm(IFormFile File);

    public static async Task<Upload> ReadAsync(HttpRequest request, long maxFileBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedMediaTypeException($"Send the file as multipart/form-data in a field named \"{Field}\".");
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary);
        if (StringSegment.IsNullOrEmpty(boundary))
            throw new BadRequestException("The multipart body has no boundary.", Field);

        var reader = new MultipartReader(boundary.Value!, request.Body);
        while (await NextSectionAsync(reader, cancellationToken) is { } section)
        {
            // Other fields are skipped; the reader drains them on the way to the next section.
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !HeaderUtilities.RemoveQuotes(disposition.Name).Equals(Field, StringComparison.Ordinal))
                continue;
            var content = await UploadStream.StartAsync(section.Body, maxFileBytes, cancellationToken);
            if (content.KnownLength == 0)
                throw new BadRequestException("The file is empty.", Field);
            var fileName = disposition.FileNameStar.HasValue
                ? disposition.FileNameStar.Value
                : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            return new Upload(SafeFileName(fileName), SafeContentType(section.ContentType), content);
        }
        throw new BadRequestException($"A file is required in the multipart field \"{Field}\".", Field);
    }

    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (Exception e) when (UploadStream.IsMalformedBody(e))
        {
            throw new BadRequestException("The multipart body is malformed.", Field);
        }
    }

    /// <summary>
    /// The name is echoed in Content-Disposition and shown to other users: keep the last path
    /// segment, drop control and invisible formatting characters (a right-to-left override can
    /// disguise "gpj.exe") and quotes.
    /// </summary>
    private static string SafeFileName(string? name)
    {
        var lastSegment = (name ?? "").Split('/', '\\')[^1];
        var kept = new StringBuilder();
        foreach (var rune in lastSegment.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                    or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate || rune.Value == '"')
                continue;
            if (kept.Length + rune.Utf16SequenceLength > MaxFileNameLength)
                break;
            kept.Append(rune.ToString());
        }
        var safe = kept.ToString().Trim();
        return safe is "" or "." or ".." ? "file" : safe;
    }

    /// <summary>The declared type, reduced to media type and charset; anything unparseable is plain bytes.</summary>
    private static string SafeContentType(string? declared)
    {
        if (!MediaTypeHeaderValue.TryParse(declared, out var type) || type.MatchesAllTypes || type.MatchesAllSubTypes)
            return "application/octet-stream";
        var media = type.MediaType.Value!.ToLowerInvariant();
        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        var result = StringSegment.IsNullOrEmpty(charset) ? media : $"{media}; charset={charset.Value!.ToLowerInvariant()}";
        return result.Length <= 255 ? result : "application/octet-stream";
    }
}

/// <summary>
/// The file's bytes on their way to storage. Counts them and fails with 413 as soon as more than
/// the limit have passed, whether or not the request declared its length. Reads ahead up to just
/// under 5 MiB before storage is involved: an empty file or a wrong type is refused before
/// anything is stored, and a file that ends within that buffer has a known length, which Minio
/// sends as one PUT instead of a multipart upload with 16 MiB part buffers.
/// </summary>
public sealed class UploadStream : Stream
{
    /// <summary>Minio's single-request ceiling is below 5 MiB (its minimum part size).</summary>
    private const int ReadAheadBytes = 5 * 1024 * 1024 - 1;

    private const int FirstBufferBytes = 64 * 1024;

    private readonly Stream _inner;
    private readonly long _maxBytes;
    private byte[] _buffer = [];
    private int _buffered;
    private int _served;

    private UploadStream(Stream inner, long maxBytes)
    {
        _inner = inner;
        _maxBytes = maxBytes;
    }

    public static async Task<UploadStream> StartAsync(Stream inner, long maxBytes, CancellationToken cancellationToken)
    {
        var stream = new UploadStream(inner, maxBytes);
        await stream.ReadAheadAsync(cancellationToken);
        return stream;
    }

    /// <summary>The first bytes of the file: all of it when it is small, else the read-ahead.</summary>
    public ReadOnlySpan<byte> Head => _buffer.AsSpan(0, _buffered);

    /// <summary>The file's size when it ended within the read-ahead; -1 while more may follow.</summary>
    public long KnownLength { get; private set; } = -1;

    /// <summary>Bytes taken from the request so far: the file's size once the stream has ended.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Grows the buffer as bytes arrive, so a small file costs about its own size.</summary>
    private async Task ReadAheadAsync(CancellationToken cancellationToken)
    {
        _buffer = new byte[FirstBufferBytes];
        while (true)
        {
            if (_buffered == _buffer.Length)
            {
                if (_buffer.Length == ReadAheadBytes)
                    return;
                Array.Resize(ref _buffer, (int)Math.Min(2L * _buffer.Length, ReadAheadBytes));
            }
            var read = await ReadInnerAsync(_buffer.AsMemory(_buffered), cancellationToken);
            if (read == 0)
            {
                KnownLength = _buffered;
                return;
            }
            _buffered += read;
        }
    }

    /// <summary>A truncated body or broken framing is the client's fault (400); Kestrel's own refusals keep their status.</summary>
    public static bool IsMalformedBody(Exception e) =>
        e is InvalidDataException || (e is IOException && e is not BadHttpRequestException);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_served < _buffered)
        {
            var count = Math.Min(buffer.Length, _buffered - _served);
            _buffer.AsMemory(_served, count).CopyTo(buffer);
            _served += count;
            return count;
        }
        if (KnownLength >= 0)
            return 0;
        return await ReadInnerAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Kestrel forbids synchronous reads of the request body; everything here reads asynchronously.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask<int> ReadInnerAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (IsMalformedBody(e))
        {
            throw new BadRequestException("The multipart body ended before the file did.", UploadReader.Field);
        }
        BytesRead += read;
        if (BytesRead > _maxBytes)
            throw new PayloadTooLargeException($"The file is larger than the limit of {_maxBytes} bytes.");
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
