using FluentValidation;
using Messenger.Features.Friends.SendFriendRequest;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.RateLimits;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>The per-user rate-limit mechanism itself; each limited slice's own test covers its policy.</summary>
public sealed class RateLimitsTests : TestBase
{
    [Test]
    public async Task Each_policy_is_a_budget_of_its_own_and_each_user_has_their_own()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var room = await CreateRoomAsync(carol, "General");
        await SpendAsync<RateLimitPolicies.Friends>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id)));

        var e = Assert.ThrowsAsync<TooManyRequestsException>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, carol.User.Id)));

        Assert.That(e!.RetryAfter, Is.GreaterThan(TimeSpan.Zero));
        Assert.That((await SendAsync(new JoinRoom.Command(alice.User.Id, room.Id))).MyRole, Is.EqualTo("member"));
        Assert.That((await SendAsync(new SendFriendRequest.Command(bob.User.Id, carol.User.Id))).Status, Is.EqualTo("pending"));
    }

    [Test]
    public async Task A_call_refused_as_invalid_costs_no_token()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        for (var i = 0; i < RateLimitTesting.Burst<RateLimitPolicies.Friends>(); i++)
            Assert.ThrowsAsync<ValidationException>(() => SendAsync(new SendFriendRequest.Command(alice.User.Id, alice.User.Id)));

        var request = await SendAsync(new SendFriendRequest.Command(alice.User.Id, bob.User.Id));

        Assert.That(request.Status, Is.EqualTo("pending"));
    }

    [Test]
    public async Task Policies_come_from_configuration()
    {
        await using var service = new OwnService(new Dictionary<string, string?> { ["RateLimits:Policies:JoinLeave:Burst"] = "2" });
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        using var client = service.Client(bob.AccessToken);

        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "join", "leave", "join" })
            statuses.Add((await client.PostAsync($"/rooms/{room.Id}/{path}", null)).StatusCode);

        Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.TooManyRequests }));
    }

    [Test]
    public void A_policy_without_a_positive_burst_refuses_to_start_naming_the_setting()
    {
        var settings = TestSettings();
        settings["RateLimits:Policies:Typing:Burst"] = "0";
        using var factory = new MessengerFactory(settings);

        var e = Assert.Catch(() => factory.StartServer());

        Assert.That(e!.ToString(), Does.Contain("RateLimits").And.Contain("Burst"));
    }

    /// <summary>Spends a policy's whole burst on calls that may each fail for reasons of their own.</summary>
    private static async Task SpendAsync<TPolicy>(Func<Task> call)
    {
        for (var i = 0; i < RateLimitTesting.Burst<TPolicy>(); i++)
        {
            try
            {
                await call();
            }
            catch (ConflictException)
            {
            }
        }
    }
}
