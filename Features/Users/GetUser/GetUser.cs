using Carter;
using Dapper;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using MySqlConnector;

namespace Messenger.Features.Users.GetUser;

public static class GetUser
{
    public sealed record Query(long ViewerId, long UserId) : IRequest<UserProfile>;

    public sealed record UserProfile(
        long Id, string Username, string DisplayName, string? Bio, string? AvatarUrl, DateTime CreatedAt, string Friendship);

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, UserProfile>
    {
        // A friends-only bio is shown to the user and their friends; the live pair row tells both
        // that and which way a pending request points. A block leaves no live row, and only the
        // blocker sees it: to the blocked user the blocker is just "none".
        private const string ProfileSql = $"""
            SELECT u.id, u.username, u.display_name,
                   CASE WHEN u.visibility = 'public' OR u.id = @ViewerId OR fr.status = 'accepted' THEN u.bio END AS bio,
                   {UsersAccess.AvatarUrlColumn} AS avatar_url, u.created_at,
                   CASE WHEN u.id = @ViewerId THEN 'self'
                        WHEN EXISTS(SELECT 1 FROM blocks b WHERE b.blocker_id = @ViewerId AND b.blocked_id = u.id) THEN 'blocked'
                        WHEN fr.status = 'accepted' THEN 'friends'
                        WHEN fr.from_user_id = @ViewerId THEN 'requestSent'
                        WHEN fr.to_user_id = @ViewerId THEN 'requestReceived'
                        ELSE 'none' END AS friendship
            FROM users u
            LEFT JOIN friend_requests fr
              ON fr.user_low = LEAST(u.id, @ViewerId) AND fr.user_high = GREATEST(u.id, @ViewerId) AND fr.live = 1
            WHERE u.id = @UserId
            """;

        public async Task<UserProfile> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await connection.QuerySingleOrDefaultAsync<UserProfile>(new CommandDefinition(ProfileSql, query,
                       cancellationToken: cancellationToken))
                   ?? throw new NotFoundException($"User {query.UserId} not found.");
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/users/{id:long}", (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), id), ct))
                .WithName(nameof(GetUser))
                .WithTags("Users")
                .WithSummary("Another user's profile")
                .WithDescription("bio is null when the user's visibility is \"friends\" and the caller is not their friend. friendship is \"self\", \"none\", \"friends\", \"requestSent\", \"requestReceived\" or \"blocked\" " +
                                 "(seen from the caller: \"blocked\" when you blocked them; someone who blocked you reads \"none\").")
                .RequireAuthorization()
                .Produces<UserProfile>()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
