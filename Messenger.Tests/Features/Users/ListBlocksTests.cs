using System.Text.Json;
using Messenger.Features.Users.BlockUser;
using Messenger.Features.Users.ListBlocks;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Users;

public sealed class ListBlocksTests : TestBase
{
    [Test]
    public async Task Lists_the_users_I_blocked_by_username_and_never_who_blocked_me()
    {
        var alice = await RegisterAsync("alice");
        var zed = await RegisterAsync("zed");
        var bob = await RegisterAsync("bob", "Bob B.");
        var carol = await RegisterAsync("carol");
        await SendAsync(new BlockUser.Command(alice.User.Id, zed.User.Id));
        await SendAsync(new BlockUser.Command(alice.User.Id, bob.User.Id));
        await SendAsync(new BlockUser.Command(carol.User.Id, alice.User.Id));

        var blocks = await CreateClient(alice.AccessToken).GetFromJsonAsync<JsonElement[]>("/users/me/blocks");

        Assert.That(blocks!.Select(u => u.GetProperty("username").GetString()), Is.EqualTo(new[] { "bob", "zed" }));
        Assert.That(blocks![0].EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "id", "username", "displayName", "avatarUrl" }));
        Assert.That(blocks[0].GetProperty("displayName").GetString(), Is.EqualTo("Bob B."));
        Assert.That(await SendAsync(new ListBlocks.Query(carol.User.Id)), Has.Count.EqualTo(1));
        Assert.That(await SendAsync(new ListBlocks.Query(zed.User.Id)), Is.Empty);
    }

    [Test]
    public async Task Without_a_token_is_a_401_problem() =>
        await ReadProblemAsync(await CreateClient().GetAsync("/users/me/blocks"), HttpStatusCode.Unauthorized);
}
