using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Realtime;
using MySqlConnector;

namespace Messenger.Features.Rooms.CreateRoom;

public static class CreateRoom
{
    public sealed record Body(string Name, string? Description, bool? IsPrivate);

    public sealed record Command(long UserId, string Name, string? Description, bool? IsPrivate) : IRequest<Room>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Name).Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("must not be empty")
                .Must(n => n is null || n.Trim().Length <= 80).WithMessage("must be at most 80 characters");
            RuleFor(x => x.Description).Must(d => d is null || d.Trim().Length <= 500).WithMessage("must be at most 500 characters");
            RuleFor(x => x.IsPrivate).NotNull().WithMessage("is required");
        }
    }

    public sealed class Handler(MySqlDataSource db, TimeProvider time, RoomGroups rooms) : IRequestHandler<Command, Room>
    {
        private const string InsertRoomSql = """
            INSERT INTO rooms (name, description, is_private, owner_id, created_at)
            VALUES (@Name, @Description, @IsPrivate, @UserId, @Now);
            SELECT LAST_INSERT_ID();
            """;

        private const string InsertOwnerSql = "INSERT INTO room_participants (room_id, user_id, joined_at) VALUES (@RoomId, @UserId, @Now)";

        public async Task<Room> Handle(Command command, CancellationToken cancellationToken)
        {
            var now = time.UtcNowMs();
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var roomId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertRoomSql, new
            {
                Name = command.Name.Trim(),
                Description = command.Description?.Trim() ?? "",
                IsPrivate = command.IsPrivate!.Value,
                command.UserId,
                Now = now,
            }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(InsertOwnerSql, new { RoomId = roomId, command.UserId, Now = now },
                transaction, cancellationToken: cancellationToken));
            await connection.OpenRoomConversationAsync(roomId, transaction, cancellationToken);
            var room = await connection.GetRoomAsync(roomId, command.UserId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);

            await rooms.SyncUserAsync(roomId, command.UserId, () => connection.IsParticipantAsync(roomId, command.UserId, CancellationToken.None));
            return room;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/rooms", async (Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    var room = await mediator.Send(new Command(context.User.UserId(), body.Name, body.Description, body.IsPrivate), ct);
                    return Results.Created($"/rooms/{room.Id}", room);
                })
                .WithName(nameof(CreateRoom))
                .WithTags("Rooms")
                .WithSummary("Create a room; the creator is its owner")
                .WithDescription("name 1-80 characters, description up to 500 (\"\" when left out), isPrivate required.")
                .RequireAuthorization()
                .Produces<Room>(StatusCodes.Status201Created)
                .ProducesValidationProblem();
    }
}
