using Carter;
using MediatR;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Rooms.ListInvites;

public static class ListInvites
{
    public sealed record Query(long UserId) : IRequest<IReadOnlyList<Invite>>;

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, IReadOnlyList<Invite>>
    {
        private const string MinePendingWhere = "WHERE i.invitee_id = @UserId AND i.status = 'pending' ORDER BY i.id";

        public async Task<IReadOnlyList<Invite>> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await connection.QueryInvitesAsync(MinePendingWhere, query, cancellationToken);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/invites", (IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId()), ct))
                .WithName(nameof(ListInvites))
                .WithTags("Rooms")
                .WithSummary("My pending room invites, oldest first")
                .RequireAuthorization()
                .Produces<IReadOnlyList<Invite>>();
    }
}
