using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Validation;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Messages.EditMessage;

public static class EditMessage
{
    /// <summary>The hub method's argument (the REST twin takes the target from the route).</summary>
    public sealed record HubArgs(long MessageId, string? Body);

    public sealed record RestBody(string? Body);

    public sealed record Command(long UserId, long MessageId, string? Body) : IRequest<Message>, IRateLimited<RateLimitPolicies.Edits>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.MessageId).GreaterThan(0);
            RuleFor(x => x.Body).Must(b => !string.IsNullOrWhiteSpace(b)).WithMessage("must not be empty");
            RuleFor(x => TextRules.Trimmed(x.Body)).MaximumCodePoints(MessagesAccess.MaxBodyLength).OverridePropertyName("body");
        }
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, ConversationOrder order, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Message>
    {
        // The message row and then its conversation's row are locked, the order every change of a
        // message takes; the reads after them see the latest committed state.
        private const string LockSql = $"""
            {InlineTransaction.Begin}
            SELECT c.id, c.version FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = @MessageId FOR UPDATE;
            SELECT {MessagesAccess.MessageColumns} FROM messages m {MessagesAccess.ReplyJoin} WHERE m.id = @MessageId AND {ConversationsAccess.ViewerMaySee};
            {MessagesAccess.DetailsSql}
            """;

        // The new body is indexed behind the edit, as a sent one is (MessageTerms).
        private const string EditSql = $"""
            UPDATE messages SET body = @Body, edited_at = @EditedAt, version = @Version, unindexed = 1 WHERE id = @Id;
            {MessageTerms.RemoveSql}
            UPDATE conversations SET version = @Version WHERE id = @ConversationId;
            COMMIT;
            """;

        private sealed record Conversation(long Id, long Version);

        public async Task<Message> Handle(Command command, CancellationToken cancellationToken)
        {
            using (await order.EnterAsync(await db.ConversationKeyOfAsync(command.MessageId, cancellationToken), cancellationToken))
            {
                var message = await StoreAsync(command, cancellationToken);
                await hub.Audience(rooms, message.RoomId, message.SenderId, message.RecipientId).MessageEdited(message);
                return message;
            }
        }

        private async Task<Message> StoreAsync(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = new InlineTransaction(connection);
            Conversation? conversation;
            MessagesAccess.MessageRow? row;
            MessagesAccess.MessageDetails details;
            await using (var locked = await connection.QueryMultipleAsync(new CommandDefinition(LockSql,
                             new { command.MessageId, MessageIds = new[] { command.MessageId }, ViewerId = command.UserId },
                             cancellationToken: cancellationToken)))
            {
                conversation = await locked.ReadSingleOrDefaultAsync<Conversation>();
                row = await locked.ReadSingleOrDefaultAsync<MessagesAccess.MessageRow>();
                details = await locked.ReadDetailsAsync();
            }
            if (conversation is null || row is null)
                throw new NotFoundException($"message {command.MessageId} not found");
            if (row.SenderId != command.UserId)
                throw new ForbiddenException("only the author may edit a message");
            if (row.DeletedAt is not null)
                throw new ConflictException($"message {command.MessageId} was deleted");

            var message = row.ToMessage(details) with { Body = command.Body!.Trim(), EditedAt = time.UtcNowMs(), Version = conversation.Version + 1 };
            await connection.ExecuteAsync(new CommandDefinition(EditSql,
                new { message.Id, message.Body, message.EditedAt, message.Version, ConversationId = conversation.Id },
                cancellationToken: cancellationToken));
            transaction.Committed();
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
                                 "was deleted. The message keeps its id and createdAt and takes the conversation's next version; " +
                                 "MessageEdited goes to the whole conversation, in version order with its other message events.")
                .RequireAuthorization()
                .Produces<Message>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
