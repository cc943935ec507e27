using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
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
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The accessToken of an AuthResponse (register, login or refresh).",
                };
                AddHealthPaths(document);
                return Task.CompletedTask;
            });
            // Each operation says whether it needs the token, so /docs sends it exactly where it is needed.
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var anonymous = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
                operation.Security = anonymous
                    ? []
                    : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
                return Task.CompletedTask;
            });
        });

    private const string BearerScheme = "Bearer";

    /// <summary>The health checks are not minimal-API endpoints, so the description would not list them by itself.</summary>
    private static void AddHealthPaths(OpenApiDocument document)
    {
        document.Paths ??= new OpenApiPaths();
        document.Paths["/health/live"] = HealthPath("Is the process up?", "200 with the text Healthy while the process runs.");
        document.Paths["/health/ready"] = HealthPath("Are the database and object storage reachable?",
            "200 when both answer, 503 when one does not; either way a JSON body names each: " +
            "{\"status\":\"Unhealthy\",\"checks\":{\"database\":\"Healthy\",\"storage\":\"Unhealthy\"}}.");
    }

    private static OpenApiPathItem HealthPath(string summary, string description) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                Summary = summary,
                Description = description,
                Tags = new HashSet<OpenApiTagReference> { new("Health") },
                Security = [],
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Healthy" },
                    ["503"] = new OpenApiResponse { Description = "Unhealthy" },
                },
            },
        },
    };

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json").AddPreferredSecuritySchemes(BearerScheme))
            .AllowAnonymous();
        return app;
    }
}
