using System.Text;
using Dapper;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MySqlConnector;

namespace Messenger.Infrastructure.Auth;

public static class AuthSetup
{
    private const string SessionIsLiveSql = """
        SELECT EXISTS(SELECT 1 FROM sessions WHERE id = @SessionId AND user_id = @UserId AND revoked_at IS NULL)
        """;

    public static IServiceCollection AddTokenAuth(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var jwt = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        if (Encoding.UTF8.GetByteCount(jwt.SigningKey) < 32)
            throw new InvalidOperationException(
                "Jwt:SigningKey is missing or shorter than 32 bytes. Set it to a random secret of at least 32 bytes, " +
                "for example through the Jwt__SigningKey environment variable.");
        if (jwt.SigningKey == JwtOptions.DevelopmentSigningKey && !environment.IsDevelopment())
            throw new InvalidOperationException(
                $"Jwt:SigningKey is the development key from appsettings.Development.json, which anyone can read, and the " +
                $"environment is {environment.EnvironmentName}, not Development. Set Jwt:SigningKey to a random secret of at " +
                "least 32 bytes, for example through the Jwt__SigningKey environment variable.");

        services.Configure<JwtOptions>(configuration.GetSection(JwtOptions.Section));
        services.Configure<PasswordOptions>(configuration.GetSection(PasswordOptions.Section));
        services.Configure<LoginThrottleOptions>(configuration.GetSection(LoginThrottleOptions.Section));
        services.Configure<RegistrationThrottleOptions>(configuration.GetSection(RegistrationThrottleOptions.Section));
        services.Configure<PasswordCheckThrottleOptions>(configuration.GetSection(PasswordCheckThrottleOptions.Section));
        services.Configure<RefreshCookieOptions>(configuration.GetSection(RefreshCookieOptions.Section));
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<RegistrationThrottle>();
        services.AddSingleton<PasswordCheckThrottle>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = jwt.Issuer,
                ValidAudience = jwt.Audience,
                IssuerSigningKey = TokenIssuer.SigningKey(jwt),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = JwtRegisteredClaimNames.UniqueName,
            };
            o.Events = new JwtBearerEvents
            {
                // Browsers cannot set headers on a WebSocket, so the hub takes the token from the query.
                OnMessageReceived = context =>
                {
                    if (context.Request.Path.StartsWithSegments("/hubs") && context.Request.Query["access_token"] is [{ } token, ..])
                        context.Token = token;
                    return Task.CompletedTask;
                },
                // A logged-out or revoked session stops working at once, not when its token expires.
                OnTokenValidated = async context =>
                {
                    // Validly signed yet not issued in this shape (no sid, a sub that is no id): not a session of ours.
                    if (!context.Principal!.TryGetSession(out var userId, out var sessionId))
                    {
                        context.Fail("The token does not name a user and a session.");
                        return;
                    }
                    var dataSource = context.HttpContext.RequestServices.GetRequiredService<MySqlDataSource>();
                    await using var connection = await dataSource.OpenConnectionAsync(context.HttpContext.RequestAborted);
                    var live = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(SessionIsLiveSql,
                        new { SessionId = sessionId, UserId = userId },
                        cancellationToken: context.HttpContext.RequestAborted));
                    if (!live)
                        context.Fail("The session has ended.");
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                    await problems.WriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = context.HttpContext,
                        ProblemDetails = new ProblemDetails
                        {
                            Status = StatusCodes.Status401Unauthorized,
                            Title = "Unauthorized",
                            Detail = "A valid access token is required (Authorization: Bearer <token>).",
                        },
                    });
                },
            };
        });
        services.AddAuthorization();
        return services;
    }
}
