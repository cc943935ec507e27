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

namespace Messenger.Features.Messages.EditMessage;

public static class EditMessage
{
    /// <summary>The hub method's argument (the REST twin takes the target from the route).</summary>
    public sealed record HubArgs(long MessageId, string? Body);

    public sealed record RestBody(string? Body);

    public sealed record Command(long UserId, long MessageId, string? Body) : IRequest<Message>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.MessageId).GreaterThan(0);
            RuleFor(x => x.Body).Must(b => !string.IsNullOrWhiteSpace(b)).WithMessage("must not be empty")
                .Must(b => b is null || b.Trim().Length <= MessagesAccess.MaxBodyLength)
                .WithMessage($"must be at most {MessagesAccess.MaxBodyLength} characters");
        }
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Message>
    {
        private const string FindSql = $"""
            SELECT m.sender_id, m.deleted_at FROM messages m WHERE m.id = @MessageId AND {MessagesAccess.ViewerMaySee} FOR UPDATE
            """;

        private const string EditSql = "UPDATE messages SET body = @Body, edited_at = @Now WHERE id = @MessageId";

        private sealed record Row(long SenderId, DateTime? DeletedAt);

        public async Task<Message> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FindSql,
                          new { command.MessageId, ViewerId = command.UserId }, transaction, cancellationToken: cancellationToken))
                      ?? throw new NotFoundException($"message {command.MessageId} not found");
            if (row.SenderId != command.UserId)
                throw new ForbiddenException("only the author may edit a message");
            if (row.DeletedAt is not null)
                throw new ConflictException($"message {command.MessageId} was deleted");
            await connection.ExecuteAsync(new CommandDefinition(EditSql, new { command.MessageId, Body = command.Body!.Trim(), Now = time.UtcNowMs() },
                transaction, cancellationToken: cancellationToken));
            var message = await connection.GetMessageAsync(command.MessageId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);

            await hub.Audience(rooms, message.RoomId, message.SenderId, message.RecipientId).MessageEdited(message);
            return message;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPatch("/messages/{id:long}", (long id, RestBody body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Command(context.User.UserId(), id, body.Body), ct))
                .WithName(nameof(EditMessage))
                .WithTags("Messages")
                .WithSummary("Change the text of my message (also the hub method EditMessage)")
                .WithDescription("body 1-4000 characters after trimming. 403 unless you wrote it, 404 when you cannot see it, 409 when it " +
                                 "was deleted. MessageEdited goes to the whole conversation.")
                .RequireAuthorization()
                .Produces<Message>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
