using System.Security.Cryptography;
using System.Text;
using Isopoh.Cryptography.Argon2;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>Argon2id hashing behind a concurrency gate: each hash holds MemoryKiB and a core.</summary>
public sealed class PasswordHasher
{
    private readonly PasswordOptions _options;
    private readonly SemaphoreSlim _gate;
    private readonly SemaphoreSlim _newAccountGate;
    private readonly Lazy<string> _decoy;

    public PasswordHasher(IOptions<PasswordOptions> options)
    {
        _options = options.Value;
        _gate = new SemaphoreSlim(_options.MaxConcurrentHashes);
        _newAccountGate = new SemaphoreSlim(Math.Min(_options.MaxConcurrentRegistrationHashes, _options.MaxConcurrentHashes));
        // Verifying an unknown user against a real hash costs what a wrong password costs,
        // so response time does not tell which logins exist.
        _decoy = new Lazy<string>(() => Hash(RandomNumberGenerator.GetHexString(32)));
    }

    public async Task<string> HashAsync(string password, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try { return Hash(password); }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// The hash of a new account's password. The gate waits its callers in arrival order, so a flood
    /// of registrations queued there would put every login behind all of them; instead they wait
    /// their turn among themselves first, and only MaxConcurrentRegistrationHashes of them ever
    /// stand in the hashing queue beside the logins and password changes.
    /// </summary>
    public async Task<string> HashNewAccountAsync(string password, CancellationToken cancellationToken)
    {
        await _newAccountGate.WaitAsync(cancellationToken);
        try { return await HashAsync(password, cancellationToken); }
        finally { _newAccountGate.Release(); }
    }

    /// <summary>A null hash (unknown user) is checked against the decoy and always fails.</summary>
    public async Task<bool> VerifyAsync(string? encodedHash, string password, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var matches = Argon2.Verify(encodedHash ?? _decoy.Value, Encoding.UTF8.GetBytes(password), _options.Parallelism);
            return encodedHash is not null && matches;
        }
        finally { _gate.Release(); }
    }

    private string Hash(string password)
    {
        var config = new Argon2Config
        {
            Type = Argon2Type.HybridAddressing,
            Version = Argon2Version.Nineteen,
            MemoryCost = _options.MemoryKiB,
            TimeCost = _options.Iterations,
            Lanes = _options.Parallelism,
            Threads = _options.Parallelism,
            Password = Encoding.UTF8.GetBytes(password),
            Salt = RandomNumberGenerator.GetBytes(16),
            HashLength = 32,
        };
        return Argon2.Hash(config);
    }
}
