using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Realtime;
using Messenger.Infrastructure.Validation;
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
            RuleFor(x => TextRules.Trimmed(x.Name)).Cascade(CascadeMode.Stop).NotEmpty().MaximumCodePoints(80).IsName().OverridePropertyName("name");
            RuleFor(x => TextRules.Trimmed(x.Description)).MaximumCodePoints(500).OverridePropertyName("description");
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
                .WithDescription("name 1-80 characters and description up to 500 (\"\" when left out), both trimmed and counted in " +
                                 "code points (an emoji such as 👩🏽‍💻 is 4); name refuses control characters other than tab and the " +
                                 "bidi embedding, override and isolate characters (400 naming it). isPrivate required.")
                .RequireAuthorization()
                .Produces<Room>(StatusCodes.Status201Created)
                .ProducesValidationProblem();
    }
}
