using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Storage;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;
using MySqlConnector;

namespace Messenger.Features.Files.GetFile;

public static class GetFile
{
    public sealed record Query(long ViewerId, long FileId) : IRequest<Download>;

    public sealed record Download(string ObjectKey, string ETag, string FileName, string ContentType, long Size);

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, Download>
    {
        private const string DownloadSql = $"""
            SELECT f.object_key, f.etag, f.file_name, f.content_type, f.size
            FROM files f WHERE f.id = @FileId AND {FilesAccess.ViewerMayRead}
            """;

        public async Task<Download> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await connection.QuerySingleOrDefaultAsync<Download>(new CommandDefinition(DownloadSql, query,
                       cancellationToken: cancellationToken))
                   ?? throw new NotFoundException($"File {query.FileId} not found.");
        }
    }

    /// <summary>Conditional and single-range GETs, decided from the row before storage is asked for anything.</summary>
    public sealed class FileResult(Download file) : IResult
    {
        // Raster formats only: an SVG can carry script, so it downloads like any other document.
        private static readonly HashSet<string> InlineTypes =
            ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"];

        public async Task ExecuteAsync(HttpContext context)
        {
            var request = context.Request.GetTypedHeaders();
            var etag = new EntityTagHeaderValue($"\"{file.ETag}\"");
            // "*" matches any current representation, and this file has one.
            if (request.IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                context.Response.Headers.ETag = etag.ToString();
                return;
            }

            var range = RangeOf(request, etag);
            if (range is { Length: 0 })
            {
                context.Response.Headers.ContentRange = new ContentRangeHeaderValue(file.Size).ToString();
                await Results.Problem(statusCode: StatusCodes.Status416RangeNotSatisfiable,
                    detail: $"The file has {file.Size} bytes; the requested range lies outside them.").ExecuteAsync(context);
                return;
            }

            var (offset, length) = range ?? (0, file.Size);
            // Opened before any header is set, so storage being down still becomes a clean 503 problem.
            await using var body = await context.RequestServices.GetRequiredService<ObjectStorage>()
                .OpenReadAsync(file.ObjectKey, offset, length, file.Size, context.RequestAborted);

            var response = context.Response;
            response.StatusCode = range is null ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent;
            if (range is not null)
                response.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + length - 1, file.Size).ToString();
            response.ContentType = file.ContentType;
            response.ContentLength = length;
            response.Headers.ETag = etag.ToString();
            response.Headers.AcceptRanges = "bytes";
            // Whether the caller may read the file depends on their token: caches must ask each time.
            response.Headers.CacheControl = "private, no-cache";
            response.Headers.XContentTypeOptions = "nosniff";
            var disposition = new ContentDispositionHeaderValue(InlineTypes.Contains(file.ContentType) ? "inline" : "attachment");
            disposition.SetHttpFileName(file.FileName);
            response.Headers.ContentDisposition = disposition.ToString();
            await body.CopyToAsync(response.Body, context.RequestAborted);
        }

        /// <summary>
        /// Null for the whole file: no Range, an unreadable one, several ranges, or an If-Range that
        /// no longer matches. A zero length means the range lies outside the file (416).
        /// </summary>
        private (long Offset, long Length)? RangeOf(RequestHeaders request, EntityTagHeaderValue etag)
        {
            if (request.Range is not { Unit: { } unit, Ranges.Count: 1 } header || !unit.Equals("bytes", StringComparison.OrdinalIgnoreCase))
                return null;
            if (request.IfRange is { } ifRange && ifRange.EntityTag?.Compare(etag, useStrongComparison: true) != true)
                return null;
            var item = header.Ranges.Single();
            if (item.From is { } from)
            {
                if (from >= file.Size)
                    return (0, 0);
                var to = Math.Min(item.To ?? file.Size - 1, file.Size - 1);
                return (from, to - from + 1);
            }
            var suffix = Math.Min(item.To!.Value, file.Size);
            return suffix == 0 ? (0, 0) : (file.Size - suffix, suffix);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/files/{id:long}", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    new FileResult(await mediator.Send(new Query(context.User.UserId(), id), ct)))
                .WithName(nameof(GetFile))
                .WithTags("Files")
                .WithSummary("Download a file's bytes")
                .WithDescription("Same read rule as GET /files/{id}/info (404 otherwise). Sends Content-Type, Content-Length, a " +
                                 "strong ETag and Content-Disposition (inline for PNG, JPEG, GIF, WebP, AVIF and BMP, attachment " +
                                 "otherwise, with filename and RFC 6266 filename*). One byte range (bytes=a-b, a-, -n) gives 206 " +
                                 "with Content-Range, or 416 outside the file; several ranges, or an If-Range that does not " +
                                 "match the ETag, give the whole file. If-None-Match with the current ETag, or *, gives 304. " +
                                 "Storage unreachable: 503.")
                .RequireAuthorization()
                .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
                .Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream")
                .Produces(StatusCodes.Status304NotModified)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}
