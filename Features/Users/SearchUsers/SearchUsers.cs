using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using MySqlConnector;

namespace Messenger.Features.Users.SearchUsers;

public static class SearchUsers
{
    public sealed record Query(long ViewerId, string Text, int Limit) : IRequest<IReadOnlyList<UserSummary>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Text).NotEmpty().MaximumLength(64).OverridePropertyName("query");
            RuleFor(x => x.Limit).InclusiveBetween(1, 100);
        }
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, IReadOnlyList<UserSummary>>
    {
        // Two prefix ranges, one per index; UNION lets each use its own. Users who blocked the
        // viewer are left out (a primary-key probe each).
        private const string NotBlockedByViewer = "NOT EXISTS(SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND b.blocked_id = @ViewerId)";

        private const string SearchSql = $"""
            SELECT {UsersAccess.SummaryColumns} FROM users u WHERE u.username LIKE @Prefix AND {NotBlockedByViewer}
            UNION
            SELECT {UsersAccess.SummaryColumns} FROM users u WHERE u.display_name LIKE @Prefix AND {NotBlockedByViewer}
            ORDER BY username
            LIMIT @Limit
            """;

        public async Task<IReadOnlyList<UserSummary>> Handle(Query query, CancellationToken cancellationToken)
        {
            var prefix = query.Text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var users = await connection.QueryAsync<UserSummary>(new CommandDefinition(SearchSql, new { query.ViewerId, Prefix = prefix, query.Limit },
                cancellationToken: cancellationToken));
            return users.AsList();
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/users", (string? query, int? limit, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), query ?? "", limit ?? 50), ct))
                .WithName(nameof(SearchUsers))
                .WithTags("Users")
                .WithSummary("Find users whose username or display name starts with the query")
                .WithDescription("Case-insensitive prefix match, ordered by username. query is required (1-64 characters); " +
                                 "limit 1-100, default 50. Users who blocked you are not listed.")
                .RequireAuthorization()
                .Produces<IReadOnlyList<UserSummary>>()
                .ProducesValidationProblem();
    }
}
