using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Users;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Rooms.ListParticipants;

public static class ListParticipants
{
    public sealed record Query(long UserId, long RoomId, int Limit) : IRequest<IReadOnlyList<Participant>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => RuleFor(x => x.Limit).InclusiveBetween(1, 100);
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, IReadOnlyList<Participant>>
    {
        private const string ParticipantsSql = $"""
            SELECT {UsersAccess.SummaryColumns},
                   CASE WHEN u.id = r.owner_id THEN 'owner' ELSE 'member' END AS role, p.joined_at
            FROM room_participants p
            JOIN rooms r ON r.id = p.room_id
            JOIN users u ON u.id = p.user_id
            WHERE p.room_id = @RoomId
            ORDER BY p.joined_at, p.user_id
            LIMIT @Limit
            """;

        private sealed record Row(long Id, string Username, string DisplayName, string? AvatarUrl, string Role, DateTime JoinedAt);

        public async Task<IReadOnlyList<Participant>> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.GetVisibleRoomAsync(query.RoomId, query.UserId, cancellationToken);
            var rows = await connection.QueryAsync<Row>(new CommandDefinition(ParticipantsSql, query, cancellationToken: cancellationToken));
            return rows.Select(r => new Participant(new UserSummary(r.Id, r.Username, r.DisplayName, r.AvatarUrl), r.Role, r.JoinedAt)).ToList();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/rooms/{id:long}/participants", (long id, int? limit, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), id, limit ?? 50), ct))
                .WithName(nameof(ListParticipants))
                .WithTags("Rooms")
                .WithSummary("A room's participants, longest-standing first")
                .WithDescription("Anyone who can see the room may list them; limit 1-100, default 50.")
                .RequireAuthorization()
                .Produces<IReadOnlyList<Participant>>()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
