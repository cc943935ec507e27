using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Realtime;
using Messenger.Infrastructure.Validation;
using MySqlConnector;

namespace Messenger.Features.Users.UpdateMe;

public static class UpdateMe
{
    /// <summary>Every field is optional: what is left out stays as it was.</summary>
    public sealed record Body(
        string? DisplayName, string? Bio, bool? NotificationsEnabled, string? Visibility, string? CurrentPassword, string? NewPassword);

    public sealed record Command(
        long UserId, long SessionId, string? DisplayName, string? Bio, bool? NotificationsEnabled, string? Visibility,
        string? CurrentPassword, string? NewPassword) : IRequest<MeProfile>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => TextRules.Trimmed(x.DisplayName)).CodePointLength(1, 64).IsName().OverridePropertyName("displayName");
            RuleFor(x => x.Bio).MaximumCodePoints(500);
            RuleFor(x => x.Visibility).Must(v => v is "public" or "friends").WithMessage("must be \"public\" or \"friends\"")
                .When(x => x.Visibility is not null);
            RuleFor(x => x.NewPassword).CodePointLength(8, 128);
            RuleFor(x => x.CurrentPassword).NotEmpty().WithMessage("is required to change the password").When(x => x.NewPassword is not null);
            RuleFor(x => x.CurrentPassword).MaximumCodePoints(128);
        }
    }

    public sealed class Handler(
        MySqlDataSource db, PasswordHasher passwords, PasswordCheckThrottle throttle, TimeProvider time, ISessionSockets sockets)
        : IRequestHandler<Command, MeProfile>
    {
        private const string PasswordHashSql = "SELECT password_hash FROM users WHERE id = @UserId";

        // Two changes that both verified the same old password serialise here: the second finds a new hash.
        private const string LockPasswordHashSql = "SELECT password_hash FROM users WHERE id = @UserId FOR UPDATE";

        private const string UpdateSql = """
            UPDATE users SET
              display_name = COALESCE(@DisplayName, display_name),
              bio = COALESCE(@Bio, bio),
              notifications_enabled = COALESCE(@NotificationsEnabled, notifications_enabled),
              visibility = COALESCE(@Visibility, visibility),
              password_hash = COALESCE(@PasswordHash, password_hash)
            WHERE id = @UserId
            """;

        // The session that changed the password keeps working; every other one ends.
        private const string RevokeOtherSessionsSql = """
            UPDATE sessions SET revoked_at = @Now WHERE user_id = @UserId AND id <> @SessionId AND revoked_at IS NULL
            """;

        public async Task<MeProfile> Handle(Command command, CancellationToken cancellationToken)
        {
            string? verifiedHash = null, newHash = null;
            if (command.NewPassword is not null)
            {
                // Counted before the hash, like a login: a burst of guesses is held to the limit too.
                if (await throttle.BeginAsync(command.UserId) is { } wait)
                    throw new TooManyRequestsException("Too many wrong current passwords; try again later.", wait);
                await using (var lookup = await db.OpenConnectionAsync(cancellationToken))
                    verifiedHash = await lookup.QuerySingleOrDefaultAsync<string>(new CommandDefinition(PasswordHashSql,
                        new { command.UserId }, cancellationToken: cancellationToken));
                // No pooled connection is held while the hashes wait their turn behind others.
                if (!await passwords.VerifyAsync(verifiedHash, command.CurrentPassword!, cancellationToken))
                    throw WrongCurrentPassword();
                await throttle.SucceededAsync(command.UserId);
                newHash = await passwords.HashAsync(command.NewPassword, cancellationToken);
            }

            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (newHash is not null)
            {
                var storedHash = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(LockPasswordHashSql,
                    new { command.UserId }, transaction, cancellationToken: cancellationToken));
                // Changed since it was verified (a concurrent change won): the old password is no longer current.
                if (storedHash != verifiedHash)
                    throw WrongCurrentPassword();
            }
            var updated = await connection.ExecuteAsync(new CommandDefinition(UpdateSql, new
            {
                command.UserId,
                DisplayName = command.DisplayName?.Trim(),
                command.Bio,
                command.NotificationsEnabled,
                command.Visibility,
                PasswordHash = newHash,
            }, transaction, cancellationToken: cancellationToken));
            if (updated == 0)
                throw new NotFoundException($"User {command.UserId} not found.");
            if (newHash is not null)
                await connection.ExecuteAsync(new CommandDefinition(RevokeOtherSessionsSql,
                    new { command.UserId, command.SessionId, Now = time.UtcNowMs() }, transaction, cancellationToken: cancellationToken));
            var profile = await connection.FindMeProfileAsync(command.UserId, cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            if (newHash is not null)
                await sockets.CloseOtherSessionsAsync(command.UserId, command.SessionId);
            return profile!;
        }

        private static BadRequestException WrongCurrentPassword() => new("is not correct", "currentPassword");
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPatch("/users/me", (Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                    mediator.Send(new Command(context.User.UserId(), context.User.SessionId(), body.DisplayName, body.Bio,
                        body.NotificationsEnabled, body.Visibility, body.CurrentPassword, body.NewPassword), ct))
                .WithName(nameof(UpdateMe))
                .WithTags("Users")
                .WithSummary("Change my profile or password")
                .WithDescription("Fields left out are unchanged; bio \"\" clears it. displayName (1-64) is trimmed and refuses " +
                                 "control characters other than tab and the bidi embedding, override and isolate characters; lengths " +
                                 "count code points (bio up to 500). newPassword needs the right currentPassword " +
                                 "(400 naming currentPassword) and revokes every other session of the user. Of two changes sent at " +
                                 "once with the same currentPassword, one succeeds and the other is 400. After 10 wrong " +
                                 "currentPassword answers within 15 minutes the answer is 429 with Retry-After (seconds), even for " +
                                 "the right one.")
                .RequireAuthorization()
                .Produces<MeProfile>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
