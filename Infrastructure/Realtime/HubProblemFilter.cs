using Messenger.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// Turns the pipeline's exceptions into HubException messages that start with the status and
/// title, the same mapping the HTTP exception handler uses: <c>403 Forbidden: ...</c>.
/// </summary>
public sealed class HubProblemFilter(ILogger<HubProblemFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(context);
        }
        catch (HubException)
        {
            throw;
        }
        catch (Exception e)
        {
            var problem = Problems.From(e);
            if (problem is null)
            {
                logger.LogError(e, "Hub method {Method} failed", context.HubMethodName);
                problem = new Problems.Problem(StatusCodes.Status500InternalServerError, "An unexpected error occurred.");
            }
            throw new HubException(problem.ToHubMessage());
        }
    }
}
