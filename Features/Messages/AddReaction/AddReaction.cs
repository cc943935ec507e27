using Carter;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using MySqlConnector;

namespace Messenger.Features.Messages.AddReaction;

public static class AddReaction
{
    public sealed record Body(long MessageId, string? Emoji);

    public sealed record Command(long UserId, long MessageId, string? Emoji)
        : IRequest<Message>, IReactionCommand, IRateLimited<RateLimitPolicies.Reactions>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => Include(new ReactionValidator());
    }

    /// <summary>A reaction already there answers the message as it is (see ReactionRules.ReactAsync).</summary>
    public sealed class Handler(MySqlDataSource db, ConversationOrder order, RoomGroups rooms, IHubContext<ChatHub, IChatClient> hub)
        : IRequestHandler<Command, Message>
    {
        private const string InsertSql = """
            INSERT INTO message_reactions (message_id, emoji, user_id, version, emoji_version)
            VALUES (@MessageId, @Emoji, @UserId, @Version, @EmojiVersion);
            """;

        public Task<Message> Handle(Command command, CancellationToken cancellationToken) =>
            db.ReactAsync(order, rooms, hub, command, adding: true, ChangeOf, cancellationToken);

        // Nothing to do when the reactor already added it; an emoji new to the message needs one of the 20 places.
        private static string? ChangeOf(ReactionRules.Target target)
        {
            if (target.Mine)
                return null;
            if (target.EmojiVersion is null && target.EmojiCount >= ReactionRules.MaxDistinctEmoji)
                throw new ConflictException($"a message takes at most {ReactionRules.MaxDistinctEmoji} different emoji");
            return InsertSql;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPut("/messages/{id:long}/reactions/{emoji}", (long id, string emoji, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Command(context.User.UserId(), id, emoji), ct))
                .WithName(nameof(AddReaction))
                .WithTags("Messages")
                .WithSummary("React to a message with an emoji (also the hub method AddReaction {messageId, emoji})")
                .WithDescription("emoji: 1-32 characters without whitespace or control characters, URL-encoded in the path; stored " +
                                 "exactly as sent, so different sequences are different emoji. Answers the message with its " +
                                 "reactions: each emoji once, in the order first used (an emoji keeps its place while anyone still " +
                                 "uses it), with the exact count and up to 50 userIds, earliest first. Adding one you already added " +
                                 "is 200 and changes nothing (no event, no new version). Otherwise the message takes the " +
                                 "conversation's next version (so since= returns it) and ReactionChanged {messageId, roomId, senderId, " +
                                 "recipientId, emoji, userId, added: true, count, version} goes to the whole conversation, in " +
                                 "version order with its other message events. You react to messages you could send to: 403 in a " +
                                 "room you can see but are not in, or a direct conversation with someone no longer your friend; 404 " +
                                 "when you cannot see the message. 409 for a deleted message, and for a 21st distinct emoji on one " +
                                 "message. 429 past the Reactions rate limit, which removing shares.")
                .RequireAuthorization()
                .Produces<Message>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
