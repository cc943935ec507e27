namespace Messenger.Infrastructure.Errors;

public static class ErrorsSetup
{
    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Binding failures (malformed JSON, wrong types, missing or oversized bodies) throw, so the
        // exception handler answers them as problems instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Empty 401/404/405 answers from the framework get a problem body as well.
        app.UseStatusCodePages();
        return app;
    }
}
