using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Messenger.Infrastructure.Errors;

public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Problems.From(exception);
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = new Problems.Problem(StatusCodes.Status500InternalServerError, "An unexpected error occurred.");
        }
        else if (exception is MySqlConnector.MySqlException)
        {
            logger.LogWarning(exception, "Database busy for {Method} {Path}", context.Request.Method, context.Request.Path);
        }
        else if (exception is BadHttpRequestException)
        {
            logger.LogInformation("Bad request for {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
        }

        context.Response.StatusCode = problem.Status;
        if (problem.RetryAfter is { } retryAfter)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

        var details = new ProblemDetails { Status = problem.Status, Title = problem.Title, Detail = problem.Detail };
        if (problem.Errors is not null)
            details.Extensions["errors"] = problem.Errors;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }
}
