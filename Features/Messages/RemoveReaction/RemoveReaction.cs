using Carter;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Messages.RemoveReaction;

public static class RemoveReaction
{
    public sealed record Body(long MessageId, string? Emoji);

    public sealed record Command(long UserId, long MessageId, string? Emoji)
        : IRequest<Message>, IReactionCommand, IRateLimited<RateLimitPolicies.Reactions>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => Include(new ReactionValidator());
    }

    /// <summary>A reaction that is not there answers the message as it is (see ReactionRules.ReactAsync).</summary>
    public sealed class Handler(MySqlDataSource db, ConversationOrder order, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Message>
    {
        private const string DeleteSql = "DELETE FROM message_reactions WHERE message_id = @MessageId AND emoji = @Emoji AND user_id = @UserId;";

        public Task<Message> Handle(Command command, CancellationToken cancellationToken) =>
            db.ReactAsync(order, rooms, hub, command, adding: false, target => target.Mine ? DeleteSql : null, cancellationToken);
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/messages/{id:long}/reactions/{emoji}", (long id, string emoji, IMediator mediator, HttpContext context,
                    CancellationToken ct) =>
                    mediator.Send(new Command(context.User.UserId(), id, emoji), ct))
                .WithName(nameof(RemoveReaction))
                .WithTags("Messages")
                .WithSummary("Take back my reaction (also the hub method RemoveReaction {messageId, emoji})")
                .WithDescription("emoji as when adding it, URL-encoded in the path. Answers 200 with the message. Removing one you " +
                                 "never added (or already removed) is 200 and changes nothing (no event, no new version). Otherwise " +
                                 "the message takes the conversation's next version and ReactionChanged {..., added: false, count} " +
                                 "goes to the whole conversation (count 0 when nobody uses the emoji any more; it then leaves " +
                                 "reactions). The same access rules as adding: 403, 404, 409 for a deleted message; 429 past the " +
                                 "Reactions rate limit.")
                .RequireAuthorization()
                .Produces<Message>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
