using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Validation;
using MySqlConnector;

namespace Messenger.Features.Auth.Register;

public static class Register
{
    public sealed record Body(string Username, string Email, string Password, string? DisplayName);

    public sealed record Command(string Username, string Email, string Password, string? DisplayName, string ClientAddress)
        : IRequest<AuthResponse>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Username).NotEmpty().CodePointLength(3, 32)
                .Matches("^[A-Za-z0-9_.-]+$").WithMessage("may contain only letters, digits, '_', '.' and '-'");
            RuleFor(x => x.Email).NotEmpty().MaximumCodePoints(254)
                .Matches(@"^[^@\s]+@[^@\s]+\.[^@\s]+$").WithMessage("is not a valid email address");
            RuleFor(x => x.Password).NotEmpty().CodePointLength(8, 128);
            RuleFor(x => TextRules.Trimmed(x.DisplayName)).CodePointLength(1, 64).IsName().OverridePropertyName("displayName");
        }
    }

    public sealed class Handler(MySqlDataSource db, PasswordHasher passwords, RegistrationThrottle throttle, TokenIssuer tokens, TimeProvider time)
        : IRequestHandler<Command, AuthResponse>
    {
        private const string TakenFieldSql = """
            SELECT CASE WHEN EXISTS(SELECT 1 FROM users WHERE username = @Username) THEN 'username'
                        WHEN EXISTS(SELECT 1 FROM users WHERE email = @Email) THEN 'email' END
            """;

        private const string InsertUserSql = """
            INSERT INTO users (username, email, password_hash, display_name, created_at)
            VALUES (@Username, @Email, @PasswordHash, @DisplayName, @Now);
            SELECT LAST_INSERT_ID();
            """;

        public async Task<AuthResponse> Handle(Command command, CancellationToken cancellationToken)
        {
            if (await throttle.BeginAsync(command.ClientAddress) is { } wait)
                throw new TooManyRequestsException("Too many registrations from this address; try again later.", wait);

            // The cheap refusals come before the costly hash; the unique keys still decide a race below.
            string? takenField;
            await using (var lookup = await db.OpenConnectionAsync(cancellationToken))
                takenField = await lookup.ExecuteScalarAsync<string?>(new CommandDefinition(TakenFieldSql,
                    new { command.Username, Email = command.Email.Trim() }, cancellationToken: cancellationToken));
            if (takenField is not null)
                throw takenField == "username" ? UsernameTaken() : EmailTaken();

            // No pooled connection is held while the hash waits its turn behind others.
            var passwordHash = await passwords.HashNewAccountAsync(command.Password, cancellationToken);
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            long userId;
            try
            {
                userId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertUserSql, new
                {
                    command.Username,
                    Email = command.Email.Trim(),
                    PasswordHash = passwordHash,
                    DisplayName = command.DisplayName?.Trim() ?? command.Username,
                    Now = time.UtcNowMs(),
                }, transaction, cancellationToken: cancellationToken));
            }
            catch (MySqlException e) when (e.IsDuplicateKey())
            {
                throw e.Message.Contains("ux_users_username") ? UsernameTaken() : EmailTaken();
            }
            var response = await connection.StartSessionAsync(transaction, userId, tokens, time, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return response;
        }

        private static ConflictException UsernameTaken() => new("That username is already taken.", "username");

        private static ConflictException EmailTaken() => new("That email is already registered.", "email");
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/auth/register", async (Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    var command = new Command(body.Username, body.Email, body.Password, body.DisplayName,
                        context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                    return (await mediator.Send(command, ct)).WithRefreshCookie(context, StatusCodes.Status201Created);
                })
                .WithName(nameof(Register))
                .WithTags("Auth")
                .WithSummary("Create an account and sign in")
                .WithDescription("Also sets the refresh_token cookie (HttpOnly, SameSite=Strict, Path=/auth). 409 names the taken field. " +
                                 "displayName (1-64 code points, trimmed) refuses control characters other than tab and the bidi " +
                                 "embedding, override and isolate characters. " +
                                 "Each client address (an IPv6 address counts as its /64) may try 20 registrations an hour, taken " +
                                 "names included; past that the answer is 429 with Retry-After (seconds).")
                .AllowAnonymous()
                .Produces<AuthResponse>(StatusCodes.Status201Created)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
