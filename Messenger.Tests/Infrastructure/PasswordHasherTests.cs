using System.Collections.Concurrent;
using Messenger.Infrastructure.Auth;
using Microsoft.Extensions.Options;

namespace Messenger.Tests.Infrastructure;

public sealed class PasswordHasherTests
{
    [Test]
    public async Task A_flood_of_registrations_leaves_a_login_behind_no_more_than_their_share_of_the_gate()
    {
        // The production cost, one hash at a time: registrations may hold or queue for one place.
        var hasher = new PasswordHasher(Options.Create(new PasswordOptions
        {
            MemoryKiB = 19456, Iterations = 2, MaxConcurrentHashes = 1, MaxConcurrentRegistrationHashes = 1,
        }));
        var stored = await hasher.HashAsync("password123", CancellationToken.None);
        var finished = new ConcurrentQueue<string>();

        // Each registration and the login join the queues from threads of their own, not the thread
        // pool, which the hashing itself keeps busy.
        var registrations = Enumerable.Range(0, 12).Select(i => Task.Factory.StartNew(async () =>
        {
            await hasher.HashNewAccountAsync($"new-account-{i}", CancellationToken.None);
            finished.Enqueue("registration");
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();
        Thread.Sleep(200);
        var login = LoginAsync();
        await Task.WhenAll([.. registrations, login]);

        var place = finished.ToList().IndexOf("login");
        Assert.That(place, Is.LessThan(6), $"the login finished {place + 1}th of 13 hashes");

        async Task LoginAsync()
        {
            Assert.That(await hasher.VerifyAsync(stored, "password123", CancellationToken.None), Is.True);
            finished.Enqueue("login");
        }
    }
}
