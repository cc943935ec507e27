namespace Messenger.Infrastructure.Auth;

public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>The key appsettings.Development.json carries; anyone can read it, so no other environment accepts it.</summary>
    public const string DevelopmentSigningKey = "development-only-signing-key-not-for-production-use";

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

    /// <summary>
    /// How many of those places new accounts may hold or queue for at once: registrations wait for
    /// one of these before they join the hashing queue, so however many arrive, logins queue behind
    /// at most this many of them.
    /// </summary>
    public int MaxConcurrentRegistrationHashes { get; set; } = Math.Max(1, Environment.ProcessorCount / 4);
}

public sealed class LoginThrottleOptions
{
    public const string Section = "LoginThrottle";
    public int MaxFailuresPerLogin { get; set; } = 10;
    public int MaxFailuresPerAddress { get; set; } = 50;
    public int WindowMinutes { get; set; } = 15;
}

/// <summary>Registrations (each attempt that passes validation) per client address block.</summary>
public sealed class RegistrationThrottleOptions
{
    public const string Section = "RegistrationThrottle";
    public int MaxPerAddress { get; set; } = 20;
    public int WindowMinutes { get; set; } = 60;
}

/// <summary>Wrong currentPassword answers per user, the way the login throttle counts failed logins.</summary>
public sealed class PasswordCheckThrottleOptions
{
    public const string Section = "PasswordCheckThrottle";
    public int MaxFailuresPerUser { get; set; } = 10;
    public int WindowMinutes { get; set; } = 15;
}

/// <summary>
/// Whether the refresh cookie is marked Secure when the request itself came over plain HTTP (a TLS
/// proxy in front, or a local run). Unset: Secure everywhere but Development. Over HTTPS it always is.
/// </summary>
public sealed class RefreshCookieOptions
{
    public const string Section = "RefreshCookie";
    public bool? Secure { get; set; }
}
