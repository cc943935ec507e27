using MediatR;
using Messenger.Infrastructure.RateLimits;

namespace Messenger.Infrastructure.Mediator;

/// <summary>Takes a token of the command's policy before its handler runs; past the limit the call is a 429.</summary>
public sealed class RateLimitBehavior<TRequest, TResponse>(UserRateLimits limits) : IPipelineBehavior<TRequest, TResponse>
{
    // Found once per command type: the type argument of its IRateLimited<TPolicy>, if it has one.
    private static readonly string? Policy = RateLimitPolicies.Of(typeof(TRequest));

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (Policy is not null)
            await limits.AcquireAsync(Policy, ((IRateLimited)request!).UserId);
        return await next();
    }
}
