using Carter;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Messages.ListRoomMessages;

public static class ListRoomMessages
{
    public sealed record Query(long UserId, long RoomId, long? Before, long? After, long? Since, int Limit) : IRequest<MessagePage>, IHistoryQuery;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => Include(new HistoryQueryValidator());
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, MessagePage>
    {
        // Participants read a room's history, and so does anyone when the room is public; an
        // invitee who has not joined yet sees the room but not its messages.
        public async Task<MessagePage> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var membership = await connection.GetVisibleRoomAsync(query.RoomId, query.UserId, cancellationToken);
            if (membership.IsPrivate)
                membership.EnsureParticipant();
            var conversationId = await connection.FindRoomConversationIdAsync(query.RoomId, cancellationToken);
            return await connection.PageAsync(conversationId, query, cancellationToken);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/rooms/{roomId:long}/messages", (long roomId, long? before, long? after, long? since, int? limit, IMediator mediator,
                    HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), roomId, before, after, since, limit ?? 50), ct))
                .WithName(nameof(ListRoomMessages))
                .WithTags("Messages")
                .WithSummary("History of a room, a page at a time")
                .WithDescription("Paging and catch-up (before, after, since) as for direct history. Participants may read it, and any signed-in user when the room is " +
                                 "public; 404 for a private room you cannot see, 403 for one you are only invited to.")
                .RequireAuthorization()
                .Produces<MessagePage>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
