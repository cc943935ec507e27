using Carter;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using MySqlConnector;

namespace Messenger.Features.Users.GetMe;

public static class GetMe
{
    public sealed record Query(long UserId) : IRequest<MeProfile>;

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, MeProfile>
    {
        public async Task<MeProfile> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await connection.FindMeProfileAsync(query.UserId, cancellationToken)
                ?? throw new NotFoundException($"User {query.UserId} not found.");
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/users/me", (IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId()), ct))
                .WithName(nameof(GetMe))
                .WithTags("Users")
                .WithSummary("My own profile")
                .RequireAuthorization()
                .Produces<MeProfile>();
    }
}
