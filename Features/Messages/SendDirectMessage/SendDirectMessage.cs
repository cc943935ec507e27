using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Friends;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Messages.SendDirectMessage;

public static class SendDirectMessage
{
    /// <summary>The hub method's argument (the REST twin takes the target from the route).</summary>
    public sealed record HubArgs(long ToUserId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId);

    public sealed record Command(long SenderId, long ToUserId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId)
        : IRequest<Message>, ISendMessageCommand;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            Include(new SendMessageValidator());
            RuleFor(x => x.ToUserId).GreaterThan(0);
        }
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, SendRateLimit rateLimit, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Message>
    {
        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @ToUserId)";

        private const string InsertSql = """
            INSERT INTO messages (conversation_id, sender_id, recipient_id, body, client_message_id, created_at)
            VALUES (@ConversationId, @SenderId, @ToUserId, @Body, @ClientMessageId, @Now);
            SELECT LAST_INSERT_ID();
            """;

        public async Task<Message> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            // A retry of a message already stored gets it back before any other check: nothing is sent twice.
            if (await connection.FindSentAsync(command.SenderId, command.ClientMessageId, cancellationToken) is { } earlier)
                return earlier;
            rateLimit.Acquire(command.SenderId);
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, command, cancellationToken: cancellationToken)))
                throw new NotFoundException($"user {command.ToUserId} not found");
            if (!await connection.AreFriendsAsync(command.SenderId, command.ToUserId, cancellationToken))
                throw new ForbiddenException($"user {command.ToUserId} is not your friend");

            var stored = await connection.StoreAsync(command, command.SenderId, async transaction => await connection.ExecuteScalarAsync<long>(
                new CommandDefinition(InsertSql, new
                {
                    ConversationId = await connection.DirectConversationIdAsync(command.SenderId, command.ToUserId, transaction, cancellationToken),
                    command.SenderId,
                    command.ToUserId,
                    Body = command.Body?.Trim() ?? "",
                    command.ClientMessageId,
                    Now = time.UtcNowMs(),
                }, transaction, cancellationToken: cancellationToken)), cancellationToken);

            if (stored.IsNew)
                await hub.Clients.Users(command.SenderId, command.ToUserId).MessageReceived(stored.Message);
            return stored.Message;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/friends/{userId:long}/messages", async (long userId, MessageContent body, IMediator mediator, HttpContext context,
                    CancellationToken ct) =>
                {
                    var message = await mediator.Send(new Command(context.User.UserId(), userId, body.Body, body.AttachmentIds, body.ClientMessageId), ct);
                    // No Location: a message has no address of its own; it lives in its conversation's history.
                    return Results.Created((string?)null, message);
                })
                .WithName(nameof(SendDirectMessage))
                .WithTags("Messages")
                .WithSummary("Send a direct message to a friend (also the hub method SendDirectMessage)")
                .WithDescription("body 1-4000 characters after trimming, or empty with attachments; attachmentIds: at most 10 of your own " +
                                 "files; clientMessageId (at most 64) makes the call idempotent: sending it again returns the first message " +
                                 "(201 again) and stores and sends nothing. 403 when not friends, 404 for an unknown user, 429 past the " +
                                 "send rate. MessageReceived goes to every connection of both users.")
                .RequireAuthorization()
                .Produces<Message>(StatusCodes.Status201Created)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
