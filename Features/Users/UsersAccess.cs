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

    public static Task<UserSummary> GetUserSummaryAsync(this MySqlConnection connection, long userId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null) =>
        connection.QuerySingleAsync<UserSummary>(new CommandDefinition(SummarySql, new { UserId = userId }, transaction,
            cancellationToken: cancellationToken));

    public static Task<MeProfile?> FindMeProfileAsync(this MySqlConnection connection, long userId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null) =>
        connection.QuerySingleOrDefaultAsync<MeProfile>(new CommandDefinition(MeProfileSql, new { UserId = userId }, transaction,
            cancellationToken: cancellationToken));
}
