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
    public async Task The_browsable_reference_answers_at_docs()
    {
        using var client = CreateClient();
        var response = await client.GetAsync("/docs");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
    }
}
