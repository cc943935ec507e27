using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Storage;
using MySqlConnector;

namespace Messenger.Features.Files.DeleteFile;

public static class DeleteFile
{
    public sealed record Command(long UserId, long FileId) : IRequest<Unit>;

    public sealed class Handler(MySqlDataSource db, OrphanObjects orphans, TimeProvider time) : IRequestHandler<Command, Unit>
    {
        // Cascades to message_attachments and clears an avatar that pointed here.
        private const string DeleteSql = "DELETE FROM files WHERE id = @FileId";

        // The row goes first; its object follows after commit, or later through the sweeper.
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            string key;
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            {
                await connection.EnsureOwnerAsync(command.UserId, command.FileId, cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                key = await connection.LockObjectKeyAsync(transaction, command.UserId, command.FileId, cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(DeleteSql, command, transaction, cancellationToken: cancellationToken));
                await OrphanObjects.RecordAsync(connection, transaction, key, time.UtcNowMs(), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            // The connection is back in the pool first: a slow store costs this request time, not
            // everyone else their connections.
            await orphans.RemoveAsync(key);
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/files/{id:long}", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(DeleteFile))
                .WithTags("Files")
                .WithSummary("Delete a file")
                .WithDescription("Owner only: 403 for a reader who is not the owner, 404 for anyone who cannot read the file. The " +
                                 "file disappears from the messages it was attached to (the messages stay), and an avatar that " +
                                 "was this file is cleared. The bytes are removed at once, or by the sweeper if storage is down " +
                                 "or does not answer within Storage:TimeoutSeconds; the answer is 204 either way.")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
