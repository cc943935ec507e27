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

    public sealed class Handler(MySqlDataSource db, ITypingTracker typing, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            var (target, audience) = await db.PrepareTypingAsync(hub, rooms, command, cancellationToken);
            await typing.StopAsync(command.ConnectionId, target);
            await audience.TypingStopped(new TypingEvent(command.RoomId, command.UserId));
            return Unit.Value;
        }
    }
}
