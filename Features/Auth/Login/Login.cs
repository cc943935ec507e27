using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Validation;
using MySqlConnector;

namespace Messenger.Features.Auth.Login;

public static class Login
{
    public sealed record Body(string Login, string Password);

    public sealed record Command(string Login, string Password, string ClientAddress) : IRequest<AuthResponse>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Login).NotEmpty().MaximumCodePoints(254);
            RuleFor(x => x.Password).NotEmpty().MaximumCodePoints(128);
        }
    }

    public sealed class Handler(MySqlDataSource db, PasswordHasher passwords, LoginThrottle throttle, TokenIssuer tokens, TimeProvider time)
        : IRequestHandler<Command, AuthResponse>
    {
        // Usernames cannot contain '@', so a login matches at most one user. The second statement is the
        // name as the users columns' collation compares it (case and accents ignored): the throttle's key
        // for a name that matches nobody.
        private const string FindUserSql = """
            SELECT id, password_hash FROM users WHERE username = @Login OR email = @Login LIMIT 1;
            SELECT HEX(WEIGHT_STRING(@Login COLLATE utf8mb4_unicode_ci));
            """;

        // Taken before the session is added, so a login locks the user row and then sessions, the order a
        // password change takes; without it a login racing a password change deadlocked (a 500).
        private const string LockUserSql = "SELECT password_hash FROM users WHERE id = @Id LOCK IN SHARE MODE";

        private sealed record UserRow(long Id, string PasswordHash);

        public async Task<AuthResponse> Handle(Command command, CancellationToken cancellationToken)
        {
            UserRow? user;
            string comparableName;
            await using (var lookup = await db.OpenConnectionAsync(cancellationToken))
            {
                await using var found = await lookup.QueryMultipleAsync(
                    new CommandDefinition(FindUserSql, new { Login = command.Login.Trim() }, cancellationToken: cancellationToken));
                user = await found.ReadSingleOrDefaultAsync<UserRow>();
                comparableName = await found.ReadSingleAsync<string>();
            }

            // Counted before the hash: a burst sent at once is held to the limit too.
            var account = LoginThrottle.Account(user?.Id, comparableName);
            if (await throttle.BeginAsync(account, command.ClientAddress) is { } wait)
                throw new TooManyRequestsException("Too many failed logins; try again later.", wait);

            // No pooled connection is held while the hash waits its turn behind others.
            if (!await passwords.VerifyAsync(user?.PasswordHash, command.Password, cancellationToken))
                throw new UnauthorizedException("The login or password is incorrect.");
            await throttle.SucceededAsync(account, command.ClientAddress);

            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var currentHash = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(LockUserSql, new { user!.Id }, transaction,
                cancellationToken: cancellationToken));
            // The password changed since it was verified: the old one must not open a session that outlives the change.
            if (currentHash != user.PasswordHash)
                throw new UnauthorizedException("The login or password is incorrect.");
            var response = await connection.StartSessionAsync(transaction, user.Id, tokens, time, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return response;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapPost("/auth/login", async (Body body, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    var command = new Command(body.Login, body.Password, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                    return (await mediator.Send(command, ct)).WithRefreshCookie(context, StatusCodes.Status200OK);
                })
                .WithName(nameof(Login))
                .WithTags("Auth")
                .WithSummary("Sign in with username or email")
                .WithDescription("Unknown user and wrong password give the same 401. After 10 failures for one account (however its " +
                                 "username or email is spelled: case and accents do not count), or 50 from one client address " +
                                 "(an IPv6 address counts as its /64), within 15 minutes the answer is 429 with Retry-After (seconds).")
                .AllowAnonymous()
                .Produces<AuthResponse>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
