using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Storage;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Messenger.Features.Files.ReplaceFile;

public static class ReplaceFile
{
    public sealed record Command(long UserId, long FileId, Upload Upload) : IRequest<FileInfo>, IRateLimited<RateLimitPolicies.Uploads>;

    public sealed class Handler(MySqlDataSource db, OrphanObjects orphans, TimeProvider time) : IRequestHandler<Command, FileInfo>
    {
        private const string SwitchSql = """
            UPDATE files SET object_key = @ObjectKey, file_name = @FileName, content_type = @ContentType, size = @Size,
                             etag = @ETag, updated_at = @Now
            WHERE id = @FileId
            """;

        // New object, then the row switches to it in one statement, then the old object goes:
        // a reader sees the old bytes or the new ones, never a mix.
        public async Task<FileInfo> Handle(Command command, CancellationToken cancellationToken)
        {
            await using (var check = await db.OpenConnectionAsync(cancellationToken))
                if (await check.EnsureOwnerAsync(command.UserId, command.FileId, cancellationToken))
                    throw new ConflictException($"File {command.FileId} is your avatar; change it with PUT /users/me/avatar.");

            // No pooled connection is held while the file goes to storage, however slow the store.
            var stored = await orphans.StoreAsync(command.Upload, command.Upload.ContentType, cancellationToken);
            string oldKey;
            FileInfo file;
            try
            {
                await using var connection = await db.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                oldKey = await connection.LockObjectKeyAsync(transaction, command.UserId, command.FileId, cancellationToken);
                var now = time.UtcNowMs();
                await connection.ExecuteAsync(new CommandDefinition(SwitchSql, new
                {
                    command.FileId,
                    ObjectKey = stored.Key,
                    command.Upload.FileName,
                    command.Upload.ContentType,
                    stored.Size,
                    stored.ETag,
                    Now = now,
                }, transaction, cancellationToken: cancellationToken));
                await OrphanObjects.ClaimAsync(connection, transaction, stored.Key, cancellationToken);
                await OrphanObjects.RecordAsync(connection, transaction, oldKey, now, cancellationToken);
                file = await connection.GetFileInfoAsync(command.FileId, cancellationToken, transaction);
                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                await orphans.DiscardAsync(stored.Key);
                throw;
            }
            await orphans.RemoveAsync(oldKey);
            return file;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            var maxBytes = app.ServiceProvider.GetRequiredService<IOptions<FilesOptions>>().Value.MaxUploadBytes;
            app.MapPut("/files/{id:long}", async (long id, HttpContext context, IMediator mediator, CancellationToken ct) =>
                {
                    await using var upload = await UploadReader.ReadAsync(context.Request, maxBytes, ct);
                    return await mediator.Send(new Command(context.User.UserId(), id, upload), ct);
                })
                .WithName(nameof(ReplaceFile))
                .WithTags("Files")
                .WithSummary("Replace a file's content")
                .WithDescription("Owner only: 403 for a reader who is not the owner, 404 for anyone who cannot read the file. " +
                                 "Same body, limits and caps on uploads in progress as POST /files/upload (413, 429, 503). The " +
                                 "new name, type, size and a new ETag replace the old ones; readers get the old bytes or the " +
                                 "new, never a mix. An avatar is changed through PUT /users/me/avatar instead (409 here). " +
                                 "Storage unreachable, or not answering within Storage:TimeoutSeconds: 503, nothing changed.")
                .RequireAuthorization()
                .AcceptsUpload(maxBytes)
                .Produces<FileInfo>()
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
                .ProducesProblem(StatusCodes.Status429TooManyRequests)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        }
    }
}
