using Carter;
using Messenger.Features.Messages;
using Messenger.Infrastructure.Api;
using Messenger.Infrastructure.Auth;
using Messenger.Infrastructure.Database;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Mediator;
using Messenger.Infrastructure.Observability;
using Messenger.Infrastructure.RateLimits;
using Messenger.Infrastructure.Redis;
using Messenger.Infrastructure.Realtime;
using Messenger.Infrastructure.Storage;

var builder = WebApplication.CreateBuilder(args);
// JSON bodies are small; an endpoint that takes uploads raises its own limit.
builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 1024 * 1024);
builder.Services.AddDatabase(builder.Configuration);
builder.Services.AddObservability(builder.Configuration);
builder.Services.AddStorage(builder.Configuration);
builder.Services.AddMediatorPipeline();
builder.Services.AddProblemResponses();
builder.Services.AddApiJson();
builder.Services.AddProxyForwarding(builder.Configuration);
builder.Services.AddTokenAuth(builder.Configuration, builder.Environment);
builder.Services.AddApiDocs();
builder.Services.AddHealth(builder.Configuration);
builder.Services.AddRealtime(builder.Configuration);
builder.Services.AddSharedState(builder.Configuration);
builder.Services.AddSendRateLimit(builder.Configuration);
builder.Services.AddRateLimits(builder.Configuration);
builder.Services.AddCarter();

var app = builder.Build();
app.MigrateDatabase();
app.EnsureStorageBucket();
app.UseProxyForwarding();
app.UseMetrics();
app.UseProblemResponses();
app.UseAuthentication();
app.UseRequestsInFlightLimit();
app.UseAuthorization();
app.UseWebClient();
app.MapCarter();
app.MapRealtime();
app.MapApiDocs();
app.MapHealth();
app.Run();

public partial class Program;
