using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using MySqlConnector;

namespace Messenger.Features.Messages.ListDirectMessages;

public static class ListDirectMessages
{
    public sealed record Query(long UserId, long OtherId, long? Before, long? After, int Limit) : IRequest<MessagePage>, IHistoryQuery;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => Include(new HistoryQueryValidator());
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, MessagePage>
    {
        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @OtherId)";

        // Either of the two users may read their history, friends or not any more.
        public async Task<MessagePage> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, query, cancellationToken: cancellationToken)))
                throw new NotFoundException($"user {query.OtherId} not found");
            var conversationId = await connection.FindDirectConversationIdAsync(query.UserId, query.OtherId, cancellationToken);
            return await connection.PageAsync(conversationId, query, cancellationToken);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/friends/{userId:long}/messages", (long userId, long? before, long? after, int? limit, IMediator mediator,
                    HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), userId, before, after, limit ?? 50), ct))
                .WithName(nameof(ListDirectMessages))
                .WithTags("Messages")
                .WithSummary("History of my direct conversation with a user, a page at a time")
                .WithDescription("Items ascending by id. before=X: the limit messages just older than X; after=X: the limit just newer " +
                                 "(catch-up after a reconnect); neither: the latest. At most one of before and after. hasMore tells " +
                                 "whether more lie beyond in that direction. limit 1-100, default 50. Readable by either user.")
                .RequireAuthorization()
                .Produces<MessagePage>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
