using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Realtime;
using MySqlConnector;

namespace Messenger.Features.Messages.SendRoomMessage;

public static class SendRoomMessage
{
    /// <summary>The hub method's argument (the REST twin takes the target from the route).</summary>
    public sealed record HubArgs(long RoomId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId);

    public sealed record Command(long SenderId, long RoomId, string? Body, IReadOnlyList<long>? AttachmentIds, string? ClientMessageId)
        : IRequest<Message>, ISendMessageCommand;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            Include(new SendMessageValidator());
            RuleFor(x => x.RoomId).GreaterThan(0);
        }
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, SendRateLimit rateLimit, RoomGroups rooms)
        : IRequestHandler<Command, Message>
    {
        private const string InsertSql = """
            INSERT INTO messages (conversation_id, room_id, sender_id, body, client_message_id, created_at)
            VALUES (@ConversationId, @RoomId, @SenderId, @Body, @ClientMessageId, @Now);
            SELECT LAST_INSERT_ID();
            """;

        public async Task<Message> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            // A retry of a message already stored gets it back before any other check: nothing is sent twice.
            if (await connection.FindSentAsync(command.SenderId, command.ClientMessageId, cancellationToken) is { } earlier)
                return earlier;
            rateLimit.Acquire(command.SenderId);
            (await connection.GetVisibleRoomAsync(command.RoomId, command.SenderId, cancellationToken)).EnsureParticipant();

            var stored = await connection.StoreAsync(command, command.SenderId, async transaction => await connection.ExecuteScalarAsync<long>(
                new CommandDefinition(InsertSql, new
                {
                    ConversationId = await connection.RoomConversationIdAsync(command.RoomId, transaction, cancellationToken),
                    command.RoomId,
                    command.SenderId,
                    Body = command.Body?.Trim() ?? "",
                    command.ClientMessageId,
                    Now = time.UtcNowMs(),
                }, transaction, cancellationToken: cancellationToken)), cancellationToken);

            if (stored.IsNew)
                await rooms.Room(command.RoomId).MessageReceived(stored.Message);
            return stored.Message;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/rooms/{roomId:long}/messages", async (long roomId, MessageContent body, IMediator mediator, HttpContext context,
                    CancellationToken ct) =>
                {
                    var message = await mediator.Send(new Command(context.User.UserId(), roomId, body.Body, body.AttachmentIds, body.ClientMessageId), ct);
                    // No Location: a message has no address of its own; it lives in its conversation's history.
                    return Results.Created((string?)null, message);
                })
                .WithName(nameof(SendRoomMessage))
                .WithTags("Messages")
                .WithSummary("Send a message to a room I am in (also the hub method SendRoomMessage)")
                .WithDescription("Same body rules and idempotency as direct messages. 403 for a public room you have not joined, 404 for " +
                                 "a private room you cannot see, 429 past the send rate. MessageReceived goes to every connection of " +
                                 "every participant, the sender's own included.")
                .RequireAuthorization()
                .Produces<Message>(StatusCodes.Status201Created)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
