using System.Text.Json;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

public sealed class ApiDocsTests
{
    [Test]
    public async Task The_openapi_description_names_schemas_after_their_slice()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/openapi/v1.json");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var schemas = document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => s.Name).ToList();
        Assert.That(schemas, Does.Contain("RegisterBody").And.Contain("LoginBody").And.Contain("AuthResponse"));
        // Every slice nests a Command or Body; bare names would let one slice's schema overwrite another's.
        Assert.That(schemas, Has.None.EqualTo("Command").And.None.EqualTo("Body").And.None.EqualTo("Query"));
    }

    [Test]
    public async Task The_openapi_description_lists_the_auth_and_user_routes()
    {
        using var client = CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/auth/register", "/auth/login", "/auth/refresh", "/auth/logout", "/users/me", "/users/{id}", "/users",
        }));
    }

    [Test]
    public async Task Every_signed_in_operation_documents_its_429()
    {
        using var client = CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        foreach (var (path, method) in new[] { ("/users/me", "get"), ("/friends/request", "post"), ("/rooms/{id}/join", "post") })
            Assert.That(paths.GetProperty(path).GetProperty(method).GetProperty("responses").TryGetProperty("429", out _), Is.True,
                $"{method} {path}");
        Assert.That(paths.GetProperty("/auth/logout").GetProperty("post").GetProperty("responses").TryGetProperty("429", out _), Is.False);
    }

    [Test]
    public async Task The_openapi_description_declares_the_bearer_scheme()
    {
        using var client = CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.That(scheme.GetProperty("type").GetString(), Is.EqualTo("http"));
        Assert.That(scheme.GetProperty("scheme").GetString(), Is.EqualTo("bearer"));
    }

    [Test]
    public async Task Every_operation_requires_the_bearer_token_except_the_anonymous_ones_which_say_so()
    {
        using var client = CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        string[] anonymous = ["POST /auth/register", "POST /auth/login", "POST /auth/refresh", "POST /auth/logout", "GET /health/live", "GET /health/ready"];

        var operations = (
            from path in document.GetProperty("paths").EnumerateObject()
            from operation in path.Value.EnumerateObject()
            select (Name: $"{operation.Name.ToUpperInvariant()} {path.Name}", Operation: operation.Value)).ToList();

        Assert.That(operations.Select(o => o.Name), Is.SupersetOf(anonymous));
        foreach (var (name, operation) in operations)
        {
            Assert.That(operation.TryGetProperty("security", out var security), Is.True, $"{name} says whether it needs a token");
            var expected = anonymous.Contains(name) ? "[]" : """[{"Bearer":[]}]""";
            Assert.That(JsonSerializer.Serialize(security), Is.EqualTo(expected), name);
        }
    }

    [Test]
    public async Task The_browsable_reference_answers_at_docs()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/docs");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
    }
}
