using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Rooms.ListMyRooms;

public static class ListMyRooms
{
    public sealed record Query(long UserId) : IRequest<IReadOnlyList<Room>>;

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, IReadOnlyList<Room>>
    {
        private const string MyRoomsSql = $"""
            SELECT {RoomsAccess.RoomColumns}
            FROM room_participants p JOIN rooms r ON r.id = p.room_id
            WHERE p.user_id = @UserId
            ORDER BY r.name, r.id
            """;

        public async Task<IReadOnlyList<Room>> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return (await connection.QueryAsync<Room>(new CommandDefinition(MyRoomsSql, query, cancellationToken: cancellationToken))).AsList();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/rooms/mine", (IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId()), ct))
                .WithName(nameof(ListMyRooms))
                .WithTags("Rooms")
                .WithSummary("The rooms I am in, by name")
                .RequireAuthorization()
                .Produces<IReadOnlyList<Room>>();
    }
}
