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

namespace Messenger.Features.Messages.SendDirectMessage;

public static class SendDirectMessage
{
    /// <summary>The hub method's argument (the REST twin takes the target from the route).</summary>
    public sealed record HubArgs(long ToUserId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId, long? ReplyToId);

    public sealed record Command(
        long SenderId, long ToUserId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId, long? ReplyToId = null)
        : IRequest<Message>, ISendMessageCommand;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            Include(new SendMessageValidator());
            RuleFor(x => x.ToUserId).GreaterThan(0);
        }
    }

    /// <summary>
    /// One round trip for a plain message, inside the conversation's turn (see ConversationOrder).
    /// The connection is back in the pool before the event goes out.
    /// </summary>
    public sealed class Handler(MySqlDataSource db, TimeProvider time, SendRateLimit rateLimit, ConversationOrder order,
        IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Message>
    {
        // The UPDATE locks the conversation row (made when the friendship began), so each change
        // takes the next version in commit order, whichever instance makes it; its join reads the
        // friendship (the accepted request) under a shared lock, so an unfriending or a block that
        // committed first leaves no row to update (nothing is written), and one that comes later
        // waits for this commit. The INSERT takes the message's version and place from the row the
        // UPDATE just moved.
        private static readonly SendMessageRules.SendStatements Write = new($"""
            UPDATE conversations c
            JOIN friend_requests r ON r.user_low = c.user_low AND r.user_high = c.user_high AND r.live = 1 AND r.status = 'accepted'
            SET c.version = c.version + 1, c.message_count = c.message_count + 1
            WHERE c.user_low = LEAST(@SenderId, @ToUserId) AND c.user_high = GREATEST(@SenderId, @ToUserId);
            INSERT INTO messages (conversation_id, sender_id, recipient_id, body, client_message_id, created_at, version, seq, reply_to_id)
            SELECT c.id, @SenderId, @ToUserId, @Body, @ClientMessageId, @CreatedAt, c.version, c.message_count, @ReplyToId
            FROM conversations c WHERE c.user_low = LEAST(@SenderId, @ToUserId) AND c.user_high = GREATEST(@SenderId, @ToUserId) AND ROW_COUNT() > 0;
            {SendMessageRules.AttachSlot}
            SELECT ROW_COUNT() AS stored, CAST(LAST_INSERT_ID() AS SIGNED) AS id, c.version, {SendMessageRules.ReplyToSlot}
            FROM conversations c WHERE c.user_low = LEAST(@SenderId, @ToUserId) AND c.user_high = GREATEST(@SenderId, @ToUserId);
            """);

        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @ToUserId)";

        public async Task<Message> Handle(Command command, CancellationToken cancellationToken)
        {
            await rateLimit.AcquireAsync(command.SenderId);
            using (await order.EnterAsync(ConversationKey.Direct(command.SenderId, command.ToUserId), cancellationToken))
            {
                var (message, isNew) = await StoreAsync(command, cancellationToken);
                // The pooled connection is back by now: handing the event over never holds one.
                if (isNew)
                    await hub.Clients.Users(command.SenderId, command.ToUserId).MessageReceived(message);
                return message;
            }
        }

        /// <summary>The stored message, or an earlier send of it.</summary>
        private async Task<(Message Message, bool IsNew)> StoreAsync(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = new InlineTransaction(connection);
            var draft = new Message(0, null, command.SenderId, command.ToUserId, command.TrimmedBody(),
                await connection.LockAttachmentsAsync(command, cancellationToken), command.ClientMessageId, time.UtcNowMs(),
                EditedAt: null, DeletedAt: null, Version: 0, ReplyTo: null, Reactions: []);
            var written = await connection.WriteAsync(transaction, Write, command, draft, new
            {
                command.SenderId, command.ToUserId, draft.Body, command.ClientMessageId, draft.CreatedAt, FileIds = command.FileIds(),
                command.ReplyToId,
            }, cancellationToken);
            if (written is { } stored)
                return stored;
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, command, cancellationToken: cancellationToken)))
                throw new NotFoundException($"user {command.ToUserId} not found");
            throw new ForbiddenException($"user {command.ToUserId} is not your friend");
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/friends/{userId:long}/messages", async (long userId, MessageContent body, IMediator mediator, HttpContext context,
                    CancellationToken ct) =>
                {
                    var message = await mediator.Send(new Command(context.User.UserId(), userId, body.Body, body.AttachmentIds, body.ClientMessageId,
                        body.ReplyToId), ct);
                    // No Location: a message has no address of its own; it lives in its conversation's history.
                    return Results.Created((string?)null, message);
                })
                .WithName(nameof(SendDirectMessage))
                .WithTags("Messages")
                .WithSummary("Send a direct message to a friend (also the hub method SendDirectMessage)")
                .WithDescription("body 1-4000 characters after trimming, or empty with attachments; attachmentIds: at most 10 of your own " +
                                 "files; clientMessageId (at most 64) makes the call idempotent: sending it again returns the first message " +
                                 "(201 again) and stores and sends nothing, while the same clientMessageId with another conversation, body, " +
                                 "files or replyToId is 409. replyToId: a message of this conversation, a deleted one too (400 naming " +
                                 "replyToId otherwise); the message then carries replyTo {id, senderId, body (its first 200 characters, " +
                                 "\"\" once deleted), deletedAt}, read afresh with every read of the reply. 403 when not friends, 404 for " +
                                 "an unknown user, 429 past the send rate (a retry counts against it too). MessageReceived goes to every " +
                                 "connection of both users, in version order with the conversation's other message events. Your read " +
                                 "marker moves to the new message.")
                .RequireAuthorization()
                .Produces<Message>(StatusCodes.Status201Created)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
