using Carter;
using MediatR;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Rooms.GetRoom;

public static class GetRoom
{
    public sealed record Query(long UserId, long RoomId) : IRequest<Room>;

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, Room>
    {
        public async Task<Room> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.GetVisibleRoomAsync(query.RoomId, query.UserId, cancellationToken);
            return await connection.GetRoomAsync(query.RoomId, query.UserId, cancellationToken);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/rooms/{id:long}", (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), id), ct))
                .WithName(nameof(GetRoom))
                .WithTags("Rooms")
                .WithSummary("One room")
                .WithDescription("myRole is null when you are not a participant. A private room is 404 unless you are in it or invited.")
                .RequireAuthorization()
                .Produces<Room>()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
