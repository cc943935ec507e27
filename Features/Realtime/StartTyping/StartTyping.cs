using FluentValidation;
using MediatR;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Realtime.StartTyping;

/// <summary>Socket only: tells the others in a conversation that the user is typing. Never stored.</summary>
public static class StartTyping
{
    public sealed record Body(long? RoomId, long? ToUserId);

    // Only starts are limited: a stop is announced only where a start was, so it cannot flood on its own.
    public sealed record Command(long UserId, string ConnectionId, long? RoomId, long? ToUserId)
        : IRequest<Unit>, ITypingCommand, IRateLimited<RateLimitPolicies.Typing>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => Include(new TypingTargetValidator());
    }

    public sealed class Handler(MySqlDataSource db, ITypingTracker typing, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub) : IRequestHandler<Command, Unit>
    {
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            var (target, audience) = await db.PrepareTypingAsync(hub, rooms, command, cancellationToken);
            await typing.StartAsync(command.ConnectionId, target);
            await audience.TypingStarted(new TypingEvent(command.RoomId, command.UserId));
            return Unit.Value;
        }
    }
}
