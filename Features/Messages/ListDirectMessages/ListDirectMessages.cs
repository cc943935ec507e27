using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using MySqlConnector;

namespace Messenger.Features.Messages.ListDirectMessages;

public static class ListDirectMessages
{
    public sealed record Query(long UserId, long OtherId, long? Before, long? After, long? Since, int Limit) : IRequest<MessagePage>, IHistoryQuery;

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
            app.MapGet("/friends/{userId:long}/messages", (long userId, long? before, long? after, long? since, int? limit, IMediator mediator,
                    HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), userId, before, after, since, limit ?? 50), ct))
                .WithName(nameof(ListDirectMessages))
                .WithTags("Messages")
                .WithSummary("History of my direct conversation with a user, a page at a time")
                .WithDescription("before=X: the limit messages just older than X; after=X: the limit just newer; neither: the latest; " +
                                 "items ascending by id. since=V (catch-up): every message created or changed after version V, each " +
                                 "once in its latest state (tombstones included), ascending by version. At most one of before, after " +
                                 "and since. hasMore tells whether more lie beyond in that direction; version is the conversation's " +
                                 "version when the page was read (0 before its first message). limit 1-100, default 50. Every message " +
                                 "carries replyTo (or null) and reactions: each emoji once, in the order first used, with its exact " +
                                 "count and up to 50 userIds, earliest first; a reaction added or removed is a change of its message, " +
                                 "so since= returns it. Readable by either user, friends or not any more.")
                .RequireAuthorization()
                .Produces<MessagePage>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
