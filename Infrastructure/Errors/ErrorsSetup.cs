using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Messenger.Infrastructure.Errors;

public static class ErrorsSetup
{
    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // The framework's own answers (no such route, wrong method, a body over the limit, a non-JSON
            // body) come without a detail; the contract promises one on every problem.
            context.ProblemDetails.Detail ??= Problems.DefaultDetail(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode,
                context.HttpContext.Request);
            // The framework knows no type for some statuses (429); RFC 9457 names "about:blank" for
            // a problem that means just its status.
            context.ProblemDetails.Type ??= "about:blank";
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Binding failures (malformed JSON, wrong types, missing or oversized bodies) throw, so the
        // exception handler answers them as problems instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Requests Kestrel refuses before the application runs (414, 431, ...) get a problem body too.
        services.Configure<KestrelServerOptions>(o => o.ConfigureEndpointDefaults(RejectedRequestProblems.WatchConnection));
        return services;
    }

    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseRejectedRequestProblems();
        app.UseExceptionHandler();
        // Empty 401/404/405 answers from the framework get a problem body as well.
        app.UseStatusCodePages();
        return app;
    }
}
