using Carter;
using Dapper;
using MediatR;
using Messenger.Features.Files;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Storage;
using MySqlConnector;

namespace Messenger.Features.Users.UpdateAvatar;

public static class UpdateAvatar
{
    public const long MaxAvatarBytes = 5 * 1024 * 1024;

    public sealed record Command(long UserId, Upload Upload) : IRequest<MeProfile>, IRateLimited<RateLimitPolicies.Uploads>;

    public sealed class Handler(MySqlDataSource db, OrphanObjects orphans, TimeProvider time) : IRequestHandler<Command, MeProfile>
    {
        // Locks the user row whether or not there is an avatar, before the new file's insert takes
        // a shared lock on it (its foreign key): shared-then-exclusive on one row deadlocked when
        // two avatar changes, or an avatar change and a profile update, ran at once.
        private const string LockOldAvatarSql = """
            SELECT f.id, f.object_key FROM users u LEFT JOIN files f ON f.id = u.avatar_file_id WHERE u.id = @UserId FOR UPDATE
            """;

        private const string SetAvatarSql = "UPDATE users SET avatar_file_id = @FileId WHERE id = @UserId";

        private const string DeleteFileSql = "DELETE FROM files WHERE id = @FileId";

        public async Task<MeProfile> Handle(Command command, CancellationToken cancellationToken)
        {
            // The bytes decide, not the declared type: a script renamed .png stays out.
            var contentType = ImageTypeOf(command.Upload.Content.Head)
                ?? throw new UnsupportedMediaTypeException("An avatar must be a PNG, JPEG, GIF or WebP image.");
            var stored = await orphans.StoreAsync(command.Upload, contentType, cancellationToken);
            string? removed;
            MeProfile profile;
            try
            {
                await using var connection = await db.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var now = time.UtcNowMs();
                var old = await connection.QuerySingleAsync<OldAvatar>(new CommandDefinition(LockOldAvatarSql,
                    new { command.UserId }, transaction, cancellationToken: cancellationToken));
                var fileId = await connection.InsertFileAsync(transaction, command.UserId, command.Upload, contentType, stored, now,
                    cancellationToken);
                await OrphanObjects.ClaimAsync(connection, transaction, stored.Key, cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(SetAvatarSql, new { FileId = fileId, command.UserId }, transaction,
                    cancellationToken: cancellationToken));
                // An old avatar the user also sent in a message stays there as an ordinary file of theirs:
                // a new profile picture takes nothing out of the conversations.
                removed = old.Id is { } oldId && !await connection.IsAttachedAsync(transaction, oldId, cancellationToken) ? old.ObjectKey : null;
                if (removed is not null)
                {
                    await connection.ExecuteAsync(new CommandDefinition(DeleteFileSql, new { FileId = old.Id }, transaction,
                        cancellationToken: cancellationToken));
                    await OrphanObjects.RecordAsync(connection, transaction, removed, now, cancellationToken);
                }
                profile = (await connection.FindMeProfileAsync(command.UserId, cancellationToken, transaction))!;
                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                await orphans.DiscardAsync(stored.Key);
                throw;
            }
            if (removed is not null)
                await orphans.RemoveAsync(removed);
            return profile;
        }

        private sealed record OldAvatar(long? Id, string? ObjectKey);

        private static string? ImageTypeOf(ReadOnlySpan<byte> head) => head switch
        {
            [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => "image/png",
            [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
            [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7' or (byte)'9', (byte)'a', ..] => "image/gif",
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "image/webp",
            _ => null,
        };
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPut("/users/me/avatar", async (HttpContext context, IMediator mediator, CancellationToken ct) =>
                {
                    await using var upload = await UploadReader.ReadAsync(context.Request, MaxAvatarBytes, ct);
                    return await mediator.Send(new Command(context.User.UserId(), upload), ct);
                })
                .WithName(nameof(UpdateAvatar))
                .WithTags("Users")
                .WithSummary("Set my avatar")
                .WithDescription("multipart/form-data, the image in the field \"file\". PNG, JPEG, GIF or WebP judged by the " +
                                 "file's first bytes, whatever type was declared (415 otherwise), at most 5 MiB (413). The " +
                                 "previous avatar file is deleted, unless it is attached to messages: then it stays there as an ordinary file " +
                                 "of yours and those messages do not change. avatarUrl (/files/{id}) is readable by any signed-in user. " +
                                 "Counts towards the same caps on uploads in progress as POST /files/upload (429, 503). " +
                                 "Storage unreachable, or not answering within Storage:TimeoutSeconds: 503, the old avatar stays.")
                .RequireAuthorization()
                .AcceptsUpload(MaxAvatarBytes)
                .Produces<MeProfile>()
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
                .ProducesProblem(StatusCodes.Status429TooManyRequests)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}
