using Carter;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Storage;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Messenger.Features.Files.UploadFile;

public static class UploadFile
{
    public sealed record Command(long UserId, Upload Upload) : IRequest<FileInfo>, IRateLimited<RateLimitPolicies.Uploads>;

    public sealed class Handler(MySqlDataSource db, OrphanObjects orphans, TimeProvider time) : IRequestHandler<Command, FileInfo>
    {
        // The object first, then the row: a row never points at bytes that are not there yet.
        // Once the object is stored the row is written whatever the client does: a cancellation
        // between the insert and the read would otherwise discard the object of a committed row.
        public async Task<FileInfo> Handle(Command command, CancellationToken cancellationToken)
        {
            var stored = await orphans.StoreAsync(command.Upload, command.Upload.ContentType, cancellationToken);
            try
            {
                await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
                await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
                var fileId = await connection.InsertFileAsync(transaction, command.UserId, command.Upload, command.Upload.ContentType, stored,
                    time.UtcNowMs(), CancellationToken.None);
                await OrphanObjects.ClaimAsync(connection, transaction, stored.Key, CancellationToken.None);
                var file = await connection.GetFileInfoAsync(fileId, CancellationToken.None, transaction);
                await transaction.CommitAsync(CancellationToken.None);
                return file;
            }
            catch
            {
                await orphans.DiscardAsync(stored.Key);
                throw;
            }
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var maxBytes = app.ServiceProvider.GetRequiredService<IOptions<FilesOptions>>().Value.MaxUploadBytes;
            app.MapPost("/files/upload", async (HttpContext context, IMediator mediator, CancellationToken ct) =>
                {
                    await using var upload = await UploadReader.ReadAsync(context.Request, maxBytes, ct);
                    var file = await mediator.Send(new Command(context.User.UserId(), upload), ct);
                    return Results.Created(file.Url, file);
                })
                .WithName(nameof(UploadFile))
                .WithTags("Files")
                .WithSummary("Upload a file")
                .WithDescription($"multipart/form-data with the file in the field \"file\"; other fields are ignored. " +
                                 $"At most Files:MaxUploadBytes ({maxBytes} bytes here), counted on the file itself, declared " +
                                 "length or chunked: 413 past it. Empty or missing file: 400. Not multipart: 415. " +
                                 "contentType is the declared type (application/octet-stream when missing or invalid); " +
                                 "fileName loses path segments, control characters and quotes. The file is read whole " +
                                 "before anything is stored, so a refused one leaves nothing behind. Uploads in progress " +
                                 "at once: Files:MaxConcurrentUploadsPerUser per user (429 with Retry-After past it) and " +
                                 "Files:MaxConcurrentUploads in all (503). Storage unreachable, or not answering within " +
                                 "Storage:TimeoutSeconds: 503.")
                .RequireAuthorization()
                .AcceptsUpload(maxBytes)
                .Produces<FileInfo>(StatusCodes.Status201Created)
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
                .ProducesProblem(StatusCodes.Status429TooManyRequests)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        }
    }
}
