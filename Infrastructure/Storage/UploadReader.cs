using System.Buffers;
using System.Globalization;
using System.Text;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Messenger.Infrastructure.Storage;

/// <summary>
/// A file taken whole from a multipart request, counted and held before anything is stored.
/// Disposing it frees its spool and its upload slot.
/// </summary>
public sealed class Upload(string fileName, string contentType, SpooledFile content, IDisposable slot) : IAsyncDisposable
{
    public string FileName { get; } = fileName;
    public string ContentType { get; } = contentType;
    public SpooledFile Content { get; } = content;

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        slot.Dispose();
    }
}

/// <summary>
/// Finds the <c>file</c> field of a multipart/form-data request and spools that field alone,
/// counted against the endpoint's own limit: no form binding, which would buffer every field
/// under the framework's limits before the endpoint could judge the file.
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

    /// <summary>
    /// Reads the file to its end, or to one byte past <paramref name="maxFileBytes"/> (413). Takes
    /// one of the caller's upload slots first (429 or 503 when none is free); the caller disposes
    /// the upload once it is stored.
    /// </summary>
    public static async Task<Upload> ReadAsync(HttpRequest request, long maxFileBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedMediaTypeException($"Send the file as multipart/form-data in a field named \"{Field}\".");
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary);
        if (StringSegment.IsNullOrEmpty(boundary))
            throw new BadRequestException("The multipart body has no boundary.", Field);

        var slot = request.HttpContext.RequestServices.GetRequiredService<UploadSlots>().Take(request.HttpContext.User.UserId());
        try
        {
            var reader = new MultipartReader(boundary.Value!, request.Body);
            while (await NextSectionAsync(reader, cancellationToken) is { } section)
            {
                // Other fields are skipped; the reader drains them on the way to the next section.
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !HeaderUtilities.RemoveQuotes(disposition.Name).Equals(Field, StringComparison.Ordinal))
                    continue;
                var content = await SpooledFile.ReadAsync(section.Body, maxFileBytes, cancellationToken);
                if (content.Length == 0)
                {
                    await content.DisposeAsync();
                    throw new BadRequestException("The file is empty.", Field);
                }
                var fileName = disposition.FileNameStar.HasValue
                    ? disposition.FileNameStar.Value
                    : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                return new Upload(SafeFileName(fileName), SafeContentType(section.ContentType), content, slot);
            }
            throw new BadRequestException($"A file is required in the multipart field \"{Field}\".", Field);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (Exception e) when (IsMalformedBody(e))
        {
            throw new BadRequestException("The multipart body is malformed.", Field);
        }
    }

    /// <summary>A truncated body or broken framing is the client's fault (400); Kestrel's own refusals keep their status.</summary>
    public static bool IsMalformedBody(Exception e) =>
        e is InvalidDataException || (e is IOException && e is not BadHttpRequestException);

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
/// The file's bytes, read to their end and counted before storage is involved. Past the limit is
/// 413 with nothing stored; within it storage gets one request of known length, never a
/// multipart upload that a refusal could leave unfinished (s3rver cannot abort one, and Minio's
/// PutObjectAsync gives no way to abort the one it starts). Up to 1 MiB stays in memory, so a
/// small file costs about its size; a larger one goes to a temporary file that goes with it.
/// </summary>
public sealed class SpooledFile : IAsyncDisposable
{
    private const int InMemoryBytes = 1024 * 1024;
    private const int ChunkBytes = 64 * 1024;
    private const int HeadBytes = 64;

    private MemoryStream? _memory = new();
    private FileStream? _file;
    private byte[] _head = [];

    private SpooledFile()
    {
    }

    /// <summary>The file's size in bytes.</summary>
    public long Length { get; private set; }

    /// <summary>The first bytes of the file (all of it when shorter), for judging its type.</summary>
    public ReadOnlySpan<byte> Head => _head;

    public static async Task<SpooledFile> ReadAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var spool = new SpooledFile();
        try
        {
            await spool.FillAsync(body, maxBytes, cancellationToken);
            return spool;
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }

    /// <summary>The bytes from the start. The stream stays the spool's: read it, do not dispose it.</summary>
    public Stream OpenRead()
    {
        Stream stream = (Stream?)_file ?? _memory!;
        stream.Position = 0;
        return stream;
    }

    private async Task FillAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await ReadBodyAsync(body, chunk, cancellationToken)) > 0)
            {
                if (Length < HeadBytes)
                    _head = [.. _head, .. chunk.AsSpan(0, (int)Math.Min(read, HeadBytes - Length))];
                Length += read;
                if (Length > maxBytes)
                    throw new PayloadTooLargeException($"The file is larger than the limit of {maxBytes} bytes.");
                if (_file is null && Length > InMemoryBytes)
                    await SpillAsync(cancellationToken);
                await ((Stream?)_file ?? _memory!).WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static async Task<int> ReadBodyAsync(Stream body, byte[] chunk, CancellationToken cancellationToken)
    {
        try
        {
            return await body.ReadAsync(chunk, cancellationToken);
        }
        catch (Exception e) when (UploadReader.IsMalformedBody(e))
        {
            throw new BadRequestException("The multipart body ended before the file did.", UploadReader.Field);
        }
    }

    /// <summary>Moves what is in memory to a temporary file that only this spool can reach.</summary>
    private async Task SpillAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"messenger-upload-{Guid.NewGuid():N}");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose,
            // Writes and reads come in large chunks already.
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        _file = new FileStream(path, options);
        // Unlinked at once where the open handle keeps the bytes: a process that dies leaves no file behind.
        if (!OperatingSystem.IsWindows())
            File.Delete(path);
        _memory!.Position = 0;
        await _memory.CopyToAsync(_file, cancellationToken);
        await _memory.DisposeAsync();
        _memory = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
            await _file.DisposeAsync();
        if (_memory is not null)
            await _memory.DisposeAsync();
    }
}
