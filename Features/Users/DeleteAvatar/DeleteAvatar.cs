using Carter;
using Dapper;
using MediatR;
using Messenger.Features.Files;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Storage;
using MySqlConnector;

namespace Messenger.Features.Users.DeleteAvatar;

public static class DeleteAvatar
{
    public sealed record Command(long UserId) : IRequest<Unit>;

    public sealed class Handler(MySqlDataSource db, OrphanObjects orphans, TimeProvider time) : IRequestHandler<Command, Unit>
    {
        private const string LockAvatarSql = """
            SELECT f.id, f.object_key FROM users u JOIN files f ON f.id = u.avatar_file_id WHERE u.id = @UserId FOR UPDATE
            """;

        private const string ClearAvatarSql = "UPDATE users SET avatar_file_id = NULL WHERE id = @UserId";

        private const string DeleteFileSql = "DELETE FROM files WHERE id = @FileId";

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            Avatar? avatar;
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                avatar = await connection.QuerySingleOrDefaultAsync<Avatar>(new CommandDefinition(LockAvatarSql, command, transaction,
                    cancellationToken: cancellationToken));
                if (avatar is null)
                    return Unit.Value;
                await connection.ExecuteAsync(new CommandDefinition(ClearAvatarSql, command, transaction, cancellationToken: cancellationToken));
                // An avatar the user also sent in a message stays there as an ordinary file of theirs:
                // removing a profile picture takes nothing out of the conversations.
                if (await connection.IsAttachedAsync(transaction, avatar.Id, cancellationToken))
                {
                    await transaction.CommitAsync(cancellationToken);
                    return Unit.Value;
                }
                await connection.ExecuteAsync(new CommandDefinition(DeleteFileSql, new { FileId = avatar.Id }, transaction,
                    cancellationToken: cancellationToken));
                await OrphanObjects.RecordAsync(connection, transaction, avatar.ObjectKey, time.UtcNowMs(), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            // The connection is back in the pool before storage is asked.
            await orphans.RemoveAsync(avatar.ObjectKey);
            return Unit.Value;
        }

        private sealed record Avatar(long Id, string ObjectKey);
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/users/me/avatar", async (IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId()), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(DeleteAvatar))
                .WithTags("Users")
                .WithSummary("Remove my avatar")
                .WithDescription("Deletes the avatar's file; avatarUrl becomes null. Without an avatar it is still 204. An avatar " +
                                 "file that is also attached to messages stays there, as an ordinary file of yours (DELETE " +
                                 "/files/{id} removes it), and those messages do not change. The bytes " +
                                 "are removed at once, or by the sweeper if storage is down or does not answer within " +
                                 "Storage:TimeoutSeconds; the answer is 204 either way.")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent);
    }
}
