using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Messages.DeleteMessage;

public static class DeleteMessage
{
    public sealed record Body(long MessageId);

    public sealed record Command(long UserId, long MessageId) : IRequest<Unit>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.MessageId).GreaterThan(0);
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Unit>
    {
        // The owner of a room they have left (the last one out) is no owner any more: room_owner_id is null then.
        private const string FindSql = $"""
            SELECT m.room_id, m.sender_id, m.recipient_id, m.deleted_at,
                   CASE WHEN EXISTS (SELECT 1 FROM room_participants p WHERE p.room_id = r.id AND p.user_id = r.owner_id)
                        THEN r.owner_id END AS room_owner_id
            FROM messages m LEFT JOIN rooms r ON r.id = m.room_id
            WHERE m.id = @MessageId AND {MessagesAccess.ViewerMaySee}
            FOR UPDATE
            """;

        // A tombstone: the row keeps its id and times so history stays in order; text and files go.
        private const string TombstoneSql = """
            UPDATE messages SET body = '', deleted_at = @Now WHERE id = @MessageId;
            DELETE FROM message_attachments WHERE message_id = @MessageId;
            """;

        private sealed record Row(long? RoomId, long SenderId, long? RecipientId, DateTime? DeletedAt, long? RoomOwnerId);

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FindSql,
                          new { command.MessageId, ViewerId = command.UserId }, transaction, cancellationToken: cancellationToken))
                      ?? throw new NotFoundException($"message {command.MessageId} not found");
            if (row.SenderId != command.UserId && row.RoomOwnerId != command.UserId)
                throw new ForbiddenException("only the author, or the room's owner, may delete a message");
            if (row.DeletedAt is not null)
                return Unit.Value;
            await connection.ExecuteAsync(new CommandDefinition(TombstoneSql, new { command.MessageId, Now = time.UtcNowMs() }, transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);

            await hub.Audience(rooms, row.RoomId, row.SenderId, row.RecipientId)
                .MessageDeleted(new MessageDeletedEvent(command.MessageId, row.RoomId, row.SenderId, row.RecipientId));
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/messages/{id:long}", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(DeleteMessage))
                .WithTags("Messages")
                .WithSummary("Delete a message (also the hub method DeleteMessage)")
                .WithDescription("The author may delete, and the room's owner any message of the room; 403 otherwise, 404 when you " +
                                 "cannot see it. The message stays as a tombstone (body \"\", no attachments, deletedAt set). Deleting " +
                                 "it again is 204 and changes nothing. MessageDeleted goes to the whole conversation.")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
