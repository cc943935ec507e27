using Dapper;
using MySqlConnector;

namespace Messenger.Features.Users;

public sealed record MeProfile(
    long Id, string Username, string Email, string DisplayName, string Bio, string? AvatarUrl,
    bool NotificationsEnabled, string Visibility, DateTime CreatedAt);

public sealed record UserSummary(long Id, string Username, string DisplayName, string? AvatarUrl);

/// <summary>SQL that several Users and Auth slices share.</summary>
public static class UsersAccess
{
    /// <summary>The avatar's file URL, or null, for a users row aliased <c>u</c>.</summary>
    public const string AvatarUrlColumn = "CONCAT('/files/', u.avatar_file_id)";

    /// <summary>The UserSummary columns of a users row aliased <c>u</c>.</summary>
    public const string SummaryColumns = $"u.id, u.username, u.display_name, {AvatarUrlColumn} AS avatar_url";

    /// <summary>The UserSummary columns of a users row under any alias, for queries that join users twice.</summary>
    public static string SummaryColumnsOf(string alias) =>
        SummaryColumns.Replace("u.", alias + ".");

    private const string MeProfileSql = $"""
        SELECT u.id, u.username, u.email, u.display_name, u.bio, {AvatarUrlColumn} AS avatar_url,
               u.notifications_enabled, u.visibility, u.created_at
        FROM users u WHERE u.id = @UserId
        """;

    private const string SummarySql = $"SELECT {SummaryColumns} FROM users u WHERE u.id = @UserId";

    // A locking read, so it sees a block committed after this transaction's snapshot and waits for
    // one in flight. Callers run it after their own write (the request or invite row), which is the
    // order BlockUser takes its locks in too: relationship rows first, the block last.
    private const string BlockedEitherWaySql = """
        SELECT COUNT(*) FROM blocks WHERE blocker_id IN (@UserId, @OtherId) AND blocked_id IN (@UserId, @OtherId) LOCK IN SHARE MODE
        """;

    public static Task<UserSummary> GetUserSummaryAsync(this MySqlConnection connection, long userId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null) =>
        connection.QuerySingleAsync<UserSummary>(new CommandDefinition(SummarySql, new { UserId = userId }, transaction,
            cancellationToken: cancellationToken));

    /// <summary>
    /// Whether either user has blocked the other, read under a shared lock inside the caller's
    /// transaction, after the caller wrote the row a block would cancel (see BlockUser).
    /// </summary>
    public static async Task<bool> IsBlockedEitherWayAsync(this MySqlConnection connection, long userId, long otherId, MySqlTransaction transaction,
        CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(BlockedEitherWaySql, new { UserId = userId, OtherId = otherId }, transaction,
            cancellationToken: cancellationToken)) > 0;

    public static Task<MeProfile?> FindMeProfileAsync(this MySqlConnection connection, long userId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null) =>
        connection.QuerySingleOrDefaultAsync<MeProfile>(new CommandDefinition(MeProfileSql, new { UserId = userId }, transaction,
            cancellationToken: cancellationToken));
}
