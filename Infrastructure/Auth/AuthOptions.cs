namespace Messenger.Infrastructure.Auth;

public sealed class JwtOptions
{
    public const string Section = "Jwt";
    public string SigningKey { get; set; } = "";
    public string Issuer { get; set; } = "messenger";
    public string Audience { get; set; } = "messenger";
    public int AccessTokenMinutes { get; set; } = 15;
    public int RefreshTokenDays { get; set; } = 14;
}

/// <summary>Argon2id cost; the defaults are OWASP's second recommended setting (19 MiB, 2 passes).</summary>
public sealed class PasswordOptions
{
    public const string Section = "Passwords";
    public int MemoryKiB { get; set; } = 19456;
    public int Iterations { get; set; } = 2;
    public int Parallelism { get; set; } = 1;

    /// <summary>Hashes running at once; more wait their turn so a login burst cannot take every core.</summary>
    public int MaxConcurrentHashes { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);
}

public sealed class LoginThrottleOptions
{
    public const string Section = "LoginThrottle";
    public int MaxFailuresPerLogin { get; set; } = 10;
    public int MaxFailuresPerAddress { get; set; } = 50;
    public int WindowMinutes { get; set; } = 15;
}
