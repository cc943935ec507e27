using MediatR;
using Messenger.Features.Friends;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Realtime.Connect;

/// <summary>A socket opened: the user's friends learn they came online, on the first connection only.</summary>
public static class Connect
{
    public sealed record Command(long UserId, string ConnectionId) : IRequest<Unit>;

    public sealed class Handler(MySqlDataSource db, IConnectionTracker connections, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Unit>
    {
        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            if (!await connections.ConnectedAsync(command.UserId, command.ConnectionId))
                return Unit.Value;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var friends = await connection.FriendIdsAsync(command.UserId, cancellationToken);
            await hub.Clients.Users(friends).PresenceChanged(new PresenceChangedEvent(command.UserId, Online: true));
            return Unit.Value;
        }
    }
}
