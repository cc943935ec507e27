using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Realtime.StopTyping;

/// <summary>Socket only: the user stopped typing (sent a message, cleared the box, left).</summary>
public static class StopTyping
{
    public sealed record Body(long? RoomId, long? ToUserId);

    public sealed record Command(long UserId, string ConnectionId, long? RoomId, long? ToUserId) : IRequest<Unit>, ITypingCommand;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => Include(new TypingTargetValidator());
    }

    public sealed class Handler(MySqlDataSource db, TypingTracker typing, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            var target = new TypingTarget(command.RoomId, command.ToUserId);
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
                await connection.EnsureMayTypeAsync(command.UserId, target, cancellationToken);
            typing.Stop(command.ConnectionId, target);
            await (await hub.Clients.TypingAudienceAsync(rooms, command.UserId, target)).TypingStopped(new TypingEvent(command.RoomId, command.UserId));
            return Unit.Value;
        }
    }
}
