using Microsoft.AspNetCore.OpenApi;
using Scalar.AspNetCore;

namespace Messenger.Infrastructure.Api;

public static class ApiDocsSetup
{
    public static IServiceCollection AddApiDocs(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            // Every slice nests a "Command" or "Response": name schemas after the slice too.
            o.CreateSchemaReferenceId = info => info.Type.IsNested
                ? info.Type.DeclaringType!.Name + info.Type.Name
                : OpenApiOptions.CreateDefaultSchemaReferenceId(info);
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Messenger API";
                document.Info.Description =
                    "Real-time chat backend. Errors are RFC 9457 problem+json; validation errors carry `errors` keyed by " +
                    "camelCase field. Times are UTC with exactly three fractional digits. Authenticated calls send " +
                    "`Authorization: Bearer <accessToken>`. List endpoints take `limit` 1-100 (default 50). A 503 with " +
                    "Retry-After means a dependency (database or storage) is busy or down: try again.";
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();
        return app;
    }
}
