using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Conversations.MarkDirectRead;

public static class MarkDirectRead
{
    public sealed record Body(long? MessageId);

    public sealed record Command(long UserId, long OtherId, long? MessageId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.Reads>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.OtherId).GreaterThan(0);
            RuleFor(x => x.MessageId).NotNull().WithMessage("is required").GreaterThan(0);
        }
    }

    /// <summary>Either of the two users may mark their history read, friends or not any more, as either may read it.</summary>
    public sealed class Handler(MySqlDataSource db, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @OtherId)";

        private const string MessageSql = """
            SELECT m.conversation_id, m.seq,
                   (SELECT MAX(s.id) FROM messages s FORCE INDEX (ix_messages_sender)
                    WHERE s.conversation_id = m.conversation_id AND s.sender_id = @UserId) AS my_last_id
            FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.id = @MessageId AND c.user_low = LEAST(@UserId, @OtherId) AND c.user_high = GREATEST(@UserId, @OtherId)
            """;

        private const string MarkSql = $"""
            INSERT IGNORE INTO conversation_reads (user_id, conversation_id, message_id, seq) VALUES (@UserId, @ConversationId, @MessageId, @Seq);
            {ConversationsAccess.MoveMarkerForwardSql}
            """;

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            bool moved;
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            {
                if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, command, cancellationToken: cancellationToken)))
                    throw new NotFoundException($"user {command.OtherId} not found");
                var message = await connection.QuerySingleOrDefaultAsync<(long ConversationId, long Seq, long? MyLastId)?>(
                                  new CommandDefinition(MessageSql, command, cancellationToken: cancellationToken))
                              ?? throw new BadRequestException($"message {command.MessageId} is not a message of your conversation with user {command.OtherId}",
                                  "messageId");
                // My marker is never before my own last message here (sending counts as reading): one of
                // mine at or after this message means the marker is already there.
                if (message.MyLastId >= command.MessageId)
                    return Unit.Value;
                moved = await connection.ExecuteAsync(new CommandDefinition(MarkSql, new
                {
                    command.UserId, command.MessageId, message.ConversationId, message.Seq,
                }, cancellationToken: cancellationToken)) > 0;
            }
            if (moved)
                await hub.Clients.Users(command.UserId, command.OtherId).ConversationRead(new ConversationReadEvent(null, command.UserId,
                    command.MessageId!.Value));
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/friends/{userId:long}/read", async (long userId, Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), userId, body.MessageId), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(MarkDirectRead))
                .WithTags("Conversations")
                .WithSummary("Move my read marker in my direct conversation with a user forward to a message")
                .WithDescription("messageId is required. Forward only: a message at or before my marker answers 204 and changes " +
                                 "nothing. 400 naming messageId for an unknown message or one of another conversation; 404 for an " +
                                 "unknown user; 429 past the Reads rate limit. Allowed after unfriending, like reading the history. " +
                                 "When the marker moves, ConversationRead {roomId: null, userId, messageId} goes to my connections " +
                                 "and the other user's (their otherLastReadMessageId).")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
