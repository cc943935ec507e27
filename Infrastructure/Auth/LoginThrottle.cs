using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Auth;

/// <summary>
/// Counts login attempts per account and per client address block. An attempt counts from the
/// moment it starts, before its password is checked, so a burst sent all at once is held to the
/// limit too; a successful one is then taken back.
/// </summary>
public sealed class LoginThrottle(IOptions<LoginThrottleOptions> options, IAttemptCounter attempts)
{
    private readonly LoginThrottleOptions _options = options.Value;
    private readonly TimeSpan _window = TimeSpan.FromMinutes(options.Value.WindowMinutes);

    /// <summary>
    /// What a login counts against: the user it found, however the name was typed (any case or
    /// accents the lookup's collation ignores, username or email); otherwise the name as that
    /// collation compares it (its weight string), so every spelling of one unknown name is one key.
    /// </summary>
    public static string Account(long? userId, string comparableName) =>
        userId is { } id ? $"user:{id}" : $"name:{comparableName}";

    /// <summary>Counts an attempt and returns null, or returns how long to wait when over a limit (and counts nothing).</summary>
    public Task<TimeSpan?> BeginAsync(string account, string address) =>
        attempts.BeginAsync(_window, (AccountKey(account), _options.MaxFailuresPerLogin), (AddressKey(address), _options.MaxFailuresPerAddress));

    /// <summary>The attempt was right: it stops counting against the address, and the account's failures are forgiven.</summary>
    public async Task SucceededAsync(string account, string address)
    {
        await attempts.ForgetAsync(AccountKey(account));
        await attempts.TakeBackAsync(AddressKey(address));
    }

    private static string AccountKey(string account) => "login:" + account;

    private static string AddressKey(string address) => "login:address:" + AttemptWindow.AddressBlock(address);
}
