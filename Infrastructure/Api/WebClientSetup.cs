using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Messenger.Infrastructure.Api;

/// <summary>
/// Serves the React client that `web/` builds into web/dist (the MSBuild target in Messenger.csproj
/// runs the build) at /app/, on the API's origin so the refresh cookie reaches it. Hashed assets
/// are cached for a year; index.html never, so a deploy takes effect on the next load. Client-side
/// routes under /app/ fall back to index.html; `/` redirects to /app/.
/// </summary>
public static class WebClientSetup
{
    private const string Base = "/app";

    public static WebApplication UseWebClient(this WebApplication app)
    {
        var root = Path.Combine(app.Environment.ContentRootPath, "web", "dist");
        if (!Directory.Exists(root))
        {
            app.Logger.LogWarning("No web client at {Root}: build it (dotnet build without SkipWebBuild, or npm run build in web/)", root);
            return app;
        }

        var files = new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            RequestPath = Base,
            OnPrepareResponse = context => context.Context.Response.Headers[HeaderNames.CacheControl] =
                context.Context.Request.Path.StartsWithSegments($"{Base}/assets") ? "public, max-age=31536000, immutable" : "no-cache",
        };
        app.UseStaticFiles(files);
        app.MapGet("/", () => Results.Redirect($"{Base}/")).ExcludeFromDescription();
        // `nonfile`: a missing /app/assets/x.js is a 404, not the page.
        app.MapFallbackToFile($"{Base}/{{*path:nonfile}}", "app/index.html", files);
        return app;
    }
}
