using System.Globalization;
using System.Text;
using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Features.Conversations;
using Messenger.Features.Rooms;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Validation;
using MySqlConnector;

namespace Messenger.Features.Messages.SearchMessages;

public static class SearchMessages
{
    public sealed record Query(long UserId, string Text, long? RoomId, long? OtherUserId, long? Before, int Limit)
        : IRequest<SearchPage>, IRateLimited<RateLimitPolicies.Search>;

    /// <summary>Newest first; the next page is before= the last item's id.</summary>
    public sealed record SearchPage(IReadOnlyList<Message> Items, bool HasMore);

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Text).NotEmpty().CodePointLength(1, 100).OverridePropertyName("query");
            RuleFor(x => x.Text).Must(text => Words.Of(text).Count > 0).When(x => !string.IsNullOrWhiteSpace(x.Text))
                .WithMessage(Words.NoneMessage).OverridePropertyName("query");
            RuleFor(x => x.Limit).InclusiveBetween(1, 100);
            RuleFor(x => x.Before).GreaterThan(0);
            RuleFor(x => x.RoomId).GreaterThan(0);
            RuleFor(x => x.OtherUserId).GreaterThan(0).OverridePropertyName("userId");
            RuleFor(x => x.OtherUserId).NotEqual(x => x.UserId).WithMessage("must not be yourself").OverridePropertyName("userId");
            RuleFor(x => x.OtherUserId).Null().When(x => x.RoomId is not null).WithMessage("give at most one of roomId and userId")
                .OverridePropertyName("userId");
        }
    }

    /// <summary>
    /// What a word is, as InnoDB's full-text parser sees it: a run of letters, digits and
    /// underscores (anything else, an apostrophe or a hyphen too, separates words) of at least
    /// innodb_ft_min_token_size characters that is not a stop word. Shorter words and stop words
    /// are not in the index, so a query word of that kind is dropped rather than required (it could
    /// never be found). Both are the defaults of MariaDB 10.11 and MySQL 8 alike (3, and InnoDB's
    /// list of 36); SearchMessagesTests holds them to the database in use.
    /// </summary>
    public static class Words
    {
        public const int MinLength = 3;

        /// <summary>innodb_ft_max_token_size: longer words are not indexed, and the parser would silently drop such a query word.</summary>
        public const int MaxLength = 84;

        public static readonly IReadOnlySet<string> StopWords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in", "is", "it", "la", "of",
            "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "who", "will", "with", "und", "www",
        };

        public const string NoneMessage =
            "has no word to search for: words are runs of at least 3 letters or digits, and stop words (the, and the like) do not count";

        /// <summary>The query's searchable words, each once, in order; never a boolean-mode operator.</summary>
        public static IReadOnlyList<string> Of(string text)
        {
            var words = new List<string>();
            var word = new StringBuilder();
            foreach (var rune in text.Normalize(NormalizationForm.FormC).EnumerateRunes())
            {
                if (Rune.IsLetterOrDigit(rune) || rune.Value == '_'
                    || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
                {
                    word.Append(rune.ToString());
                    continue;
                }
                Add();
            }
            Add();
            return words;

            void Add()
            {
                var w = word.ToString();
                word.Clear();
                if (TextRules.CodePoints(w) >= MinLength && !StopWords.Contains(w) && !words.Contains(w, StringComparer.OrdinalIgnoreCase))
                    words.Add(w);
            }
        }

        /// <summary>Every word required, each as a prefix: <c>+pizz* +tonig*</c>; null when a word is too long to be in any message.</summary>
        public static string? BooleanQuery(string text) =>
            Of(text) is var words && words.Any(w => TextRules.CodePoints(w) > MaxLength) ? null : string.Join(' ', words.Select(w => $"+{w}*"));
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Query, SearchPage>
    {
        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @OtherUserId)";

        // The conversations the caller can read now: rooms they are in, and every direct
        // conversation of theirs (readable by both users, friends or not any more).
        private const string MyConversations = """
            SELECT c.id FROM room_participants p JOIN conversations c ON c.room_id = p.room_id WHERE p.user_id = @UserId
            UNION ALL SELECT c.id FROM conversations c WHERE c.user_low = @UserId
            UNION ALL SELECT c.id FROM conversations c WHERE c.user_high = @UserId
            """;

        // The full-text index finds the matching bodies; visibility, deletion and the keyset are
        // filters on those rows, newest first.
        private const string SearchSql = $"""
            SELECT {MessagesAccess.MessageColumns} FROM messages m {MessagesAccess.ReplyJoin}
            WHERE MATCH(m.body) AGAINST (@Terms IN BOOLEAN MODE)
              AND m.deleted_at IS NULL AND m.id < @Before
              AND m.conversation_id IN (
            """;

        public async Task<SearchPage> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            string scope;
            long? conversationId = null;
            if (query.RoomId is { } roomId)
            {
                (await connection.GetVisibleRoomAsync(roomId, query.UserId, cancellationToken)).EnsureParticipant();
                conversationId = await connection.FindRoomConversationIdAsync(roomId, cancellationToken);
                scope = "@ConversationId";
            }
            else if (query.OtherUserId is { } otherId)
            {
                if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, query, cancellationToken: cancellationToken)))
                    throw new NotFoundException($"user {otherId} not found");
                conversationId = await connection.FindDirectConversationIdAsync(query.UserId, otherId, cancellationToken);
                if (conversationId is null)
                    return new SearchPage([], HasMore: false);
                scope = "@ConversationId";
            }
            else
                scope = MyConversations;
            if (Words.BooleanQuery(query.Text) is not { } terms)
                return new SearchPage([], HasMore: false);

            var rows = (await connection.QueryAsync<MessagesAccess.MessageRow>(new CommandDefinition(
                $"{SearchSql}{scope})\nORDER BY m.id DESC LIMIT @Take",
                new
                {
                    Terms = terms, query.UserId, ConversationId = conversationId, Before = query.Before ?? long.MaxValue,
                    Take = query.Limit + 1,
                },
                cancellationToken: cancellationToken))).AsList();
            var hasMore = rows.Count > query.Limit;
            return new SearchPage(await connection.WithDetailsAsync(rows.Take(query.Limit).ToList(), cancellationToken), hasMore);
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapGet("/messages/search", (string? query, long? roomId, long? userId, long? before, int? limit, IMediator mediator,
                    HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Query(context.User.UserId(), query ?? "", roomId, userId, before, limit ?? 50), ct))
                .WithName(nameof(SearchMessages))
                .WithTags("Messages")
                .WithSummary("Search the messages I can read now, newest first")
                .WithDescription("Searches the rooms you are in and all your direct conversations (friends or not any more); roomId " +
                                 "or userId narrows to one of them (at most one of the two). Every word of query must start a word " +
                                 "of the message, ignoring case and accents (\"cafe\" finds \"Cafés\"); deleted messages never " +
                                 "match. A word is a run of at least 3 letters, digits or underscores (other characters, " +
                                 "apostrophes and hyphens included, separate words) that is not one of InnoDB's stop words: a, " +
                                 "about, an, are, as, at, be, by, com, de, en, for, from, how, i, in, is, it, la, of, on, or, that, " +
                                 "the, this, to, was, what, when, where, who, will, with, und, www. These are the full-text " +
                                 "settings of the database in use (innodb_ft_min_token_size 3 and the default stop word list, the " +
                                 "same on MariaDB 10.11 and MySQL 8). Shorter words and stop words in query are ignored, since " +
                                 "messages are not indexed by them; a query with no word left is 400 naming query, as is an empty " +
                                 "one or one over 100 characters. A word over 84 characters (innodb_ft_max_token_size) is in no " +
                                 "message, so it matches nothing. Operators of any kind (quotes, +, -, *) are just separators. " +
                                 "Items are newest first (the one list in the API that is); before=<id of the last item> gives " +
                                 "the next page, and hasMore tells whether there is one. limit 1-100, default 50. roomId: 404 for a " +
                                 "private room you cannot see, 403 for a room you can see but are not in (a public room, or one you " +
                                 "are only invited to). userId: 404 for an unknown user; no conversation yet gives no items. " +
                                 "Limited by RateLimits:Policies:Search.")
                .RequireAuthorization()
                .Produces<SearchPage>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
