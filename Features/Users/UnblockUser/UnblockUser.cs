using Carter;
using Dapper;
using FluentValidation;
using MediatR;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using MySqlConnector;

namespace Messenger.Features.Users.UnblockUser;

public static class UnblockUser
{
    public sealed record Command(long UserId, long BlockedId) : IRequest<Unit>, IRateLimited<RateLimitPolicies.Blocking>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.BlockedId).GreaterThan(0).OverridePropertyName("id");
            RuleFor(x => x.BlockedId).NotEqual(x => x.UserId).WithMessage("cannot unblock yourself").OverridePropertyName("id");
        }
    }

    public sealed class Handler(MySqlDataSource db) : IRequestHandler<Command, Unit>
    {
        private const string UserExistsSql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = @BlockedId)";

        // Only my own block goes: one the other user holds on me stays, and nothing that blocking
        // ended (friendship, requests, invites) comes back.
        private const string UnblockSql = "DELETE FROM blocks WHERE blocker_id = @UserId AND blocked_id = @BlockedId";

        public async Task<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(UserExistsSql, command, cancellationToken: cancellationToken)))
                throw new NotFoundException($"user {command.BlockedId} not found");
            await connection.ExecuteAsync(new CommandDefinition(UnblockSql, command, cancellationToken: cancellationToken));
            return Unit.Value;
        }
    }

    public sealed class Endpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) =>
            app.MapDelete("/users/{id:long}/block", async (long id, IMediator mediator, HttpContext context, CancellationToken ct) =>
                {
                    await mediator.Send(new Command(context.User.UserId(), id), ct);
                    return Results.NoContent();
                })
                .WithName(nameof(UnblockUser))
                .WithTags("Users")
                .WithSummary("Unblock a user")
                .WithDescription("204, and 204 again when not blocked. Lifts only your own block (one they hold on you stays) and " +
                                 "restores nothing: no friendship, request or invite comes back. 400 for yourself, 404 for an unknown " +
                                 "user; limited by RateLimits:Policies:Blocking (with blocking).")
                .RequireAuthorization()
                .Produces(StatusCodes.Status204NoContent)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
