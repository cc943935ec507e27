using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>Tokens signed with the service's own key whose claims are not what it issues.</summary>
public sealed class TokenAuthTests : TestBase
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    private static IEnumerable<TestCaseData> OddTokens()
    {
        yield return new TestCaseData("no sid", (Func<long, string>)(userId => Sign(("sub", userId.ToString())))).SetArgDisplayNames("no sid");
        yield return new TestCaseData("non-numeric sub", (Func<long, string>)(_ => Sign(("sub", "alice"), ("sid", "1")))).SetArgDisplayNames("non-numeric sub");
        yield return new TestCaseData("non-numeric sid", (Func<long, string>)(userId => Sign(("sub", userId.ToString()), ("sid", "x"))))
            .SetArgDisplayNames("non-numeric sid");
    }

    [TestCaseSource(nameof(OddTokens))]
    public async Task A_signed_token_with_odd_claims_is_a_401_problem_on_every_authenticated_endpoint(string _, Func<long, string> token)
    {
        var alice = await RegisterAsync("alice");
        using var client = CreateClient(token(alice.User.Id));

        var endpoints = AuthenticatedEndpoints().ToList();
        Assert.That(endpoints, Has.Count.GreaterThan(20), "the endpoints are found");
        foreach (var (method, path) in endpoints)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            var response = await client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{method} {path}");
            await ReadProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    [TestCaseSource(nameof(OddTokens))]
    public async Task A_signed_token_with_odd_claims_cannot_open_the_hub(string _, Func<long, string> token)
    {
        var alice = await RegisterAsync("alice");

        await using var connection = HubClient.Build(token(alice.User.Id));

        Assert.That(Assert.CatchAsync(() => connection.StartAsync())!.Message, Does.Contain("401"));
    }

    /// <summary>Every route that requires a signed-in user, with 1 for each route parameter.</summary>
    private static IEnumerable<(string Method, string Path)> AuthenticatedEndpoints() =>
        from endpoint in Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        where endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null
        let path = "/" + string.Join("/", endpoint.RoutePattern.PathSegments.Select(segment =>
            string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart => "1",
                _ => "",
            }))))
        from method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? Methods
        select (method, path);

    private static string Sign(params (string Type, string Value)[] claims) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "messenger",
            Audience = "messenger",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Subject = new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value))),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TestSettings()["Jwt:SigningKey"]!)), SecurityAlgorithms.HmacSha256),
        });
}
