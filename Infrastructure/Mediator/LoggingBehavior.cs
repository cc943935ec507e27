using System.Diagnostics;
using MediatR;
using Messenger.Infrastructure.Errors;

namespace Messenger.Infrastructure.Mediator;

public sealed class LoggingBehavior<TRequest, TResponse>(ILogger<LoggingBehavior<TRequest, TResponse>> logger)
    : IPipelineBehavior<TRequest, TResponse>
{
    // "Register+Command" reads better in logs as "Register".
    private static readonly string Name = typeof(TRequest).DeclaringType?.Name ?? typeof(TRequest).Name;

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next();
            logger.LogDebug("{Request} handled in {Elapsed:0.0} ms", Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception e) when (Problems.IsExpected(e))
        {
            logger.LogInformation("{Request} refused in {Elapsed:0.0} ms: {Reason}", Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, e.Message);
            throw;
        }
    }
}
