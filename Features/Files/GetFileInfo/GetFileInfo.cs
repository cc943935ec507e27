using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using MySqlConnector;

namespace Messenger.Features.Files.GetFileInfo;

public static class GetFileInfo
{
    public sealed record Query(long ViewerId, long FileId) : IRequest<FileInfo>;

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, FileInfo>
    {
        private const string InfoSql = $"""
            SELECT {FilesAccess.InfoColumns} FROM files f WHERE f.id = @FileId AND {FilesAccess.ViewerMayRead}
            """;

        public async Task<FileInfo> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await connection.QuerySingleOrDefaultAsync<FileInfo>(new CommandDefinition(InfoSql, query,
                       cancellationToken: cancellationToken))
                   ?? throw new NotFoundException($"File {query.FileId} not found.");
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/files/{id:long}/info", (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), id), ct))
                .WithName(nameof(GetFileInfo))
                .WithTags("Files")
                .WithSummary("A file's name, type and size")
                .WithDescription("Readable by the owner, by anyone who can see a message it is attached to, and by any signed-in " +
                                 "user when it is someone's avatar; 404 for everyone else.")
                .RequireAuthorization()
                .Produces<FileInfo>()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
