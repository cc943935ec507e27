using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Rooms.ListPublicRooms;

public static class ListPublicRooms
{
    public sealed record Query(long UserId, string Text, int Limit) : IRequest<IReadOnlyList<Room>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Text).MaximumLength(80).OverridePropertyName("query");
            RuleFor(x => x.Limit).InclusiveBetween(1, 100);
        }
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, IReadOnlyList<Room>>
    {
        private const string PublicRoomsSql = $"""
            SELECT {RoomsAccess.RoomColumns}
            FROM rooms r
            WHERE r.is_private = 0 AND r.name LIKE @Prefix
            ORDER BY r.name, r.id
            LIMIT @Limit
            """;

        public async Task<IReadOnlyList<Room>> Handle(Query query, CancellationToken cancellationToken)
        {
            var prefix = query.Text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return (await connection.QueryAsync<Room>(new CommandDefinition(PublicRoomsSql, new { query.UserId, Prefix = prefix, query.Limit },
                cancellationToken: cancellationToken))).AsList();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/rooms", (string? query, int? limit, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), query ?? "", limit ?? 50), ct))
                .WithName(nameof(ListPublicRooms))
                .WithTags("Rooms")
                .WithSummary("Public rooms whose name starts with the query, by name")
                .WithDescription("query is optional (all public rooms when left out), case-insensitive; limit 1-100, default 50.")
                .RequireAuthorization()
                .Produces<IReadOnlyList<Room>>()
                .ProducesValidationProblem();
    }
}
