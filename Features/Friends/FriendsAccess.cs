using Dapper;
using Messenger.Features.Users;
using MySqlConnector;

namespace Messenger.Features.Friends;

public sealed record FriendRequest(long Id, UserSummary From, UserSummary To, string Status, DateTime CreatedAt, DateTime? RespondedAt);

public sealed record Friend(UserSummary User, DateTime Since, bool Online);

/// <summary>SQL that several Friends slices (and other areas asking "are these two friends") share.</summary>
public static class FriendsAccess
{
    /// <summary>The live relationship of @UserId and @OtherId, whichever way it points: one unique-key lookup.</summary>
    public const string LivePair = "user_low = LEAST(@UserId, @OtherId) AND user_high = GREATEST(@UserId, @OtherId) AND live = 1";

    private const string AreFriendsSql = $"SELECT EXISTS(SELECT 1 FROM friend_requests WHERE {LivePair} AND status = 'accepted')";

    private const string FriendIdsSql = """
        SELECT to_user_id FROM friend_requests WHERE from_user_id = @UserId AND status = 'accepted'
        UNION ALL
        SELECT from_user_id FROM friend_requests WHERE to_user_id = @UserId AND status = 'accepted'
        """;

    private static readonly string RequestSql = $"""
        SELECT r.id, r.status, r.created_at, r.responded_at,
               {UsersAccess.SummaryColumnsOf("f")}, {UsersAccess.SummaryColumnsOf("t")}
        FROM friend_requests r
        JOIN users f ON f.id = r.from_user_id
        JOIN users t ON t.id = r.to_user_id
        """;

    private sealed record RequestRow(long Id, string Status, DateTime CreatedAt, DateTime? RespondedAt);

    public static Task<bool> AreFriendsAsync(this MySqlConnection connection, long userId, long otherId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(AreFriendsSql, new { UserId = userId, OtherId = otherId },
            cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<long>> FriendIdsAsync(this MySqlConnection connection, long userId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<long>(new CommandDefinition(FriendIdsSql, new { UserId = userId }, cancellationToken: cancellationToken))).AsList();

    public static async Task<FriendRequest> GetRequestAsync(this MySqlConnection connection, long requestId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null) =>
        (await connection.QueryRequestsAsync("WHERE r.id = @RequestId", new { RequestId = requestId }, cancellationToken, transaction)).Single();

    /// <summary>FriendRequests filtered by <paramref name="where"/>, a clause over <c>r</c> (the request), <c>f</c> and <c>t</c> (its users).</summary>
    public static async Task<IReadOnlyList<FriendRequest>> QueryRequestsAsync(this MySqlConnection connection, string where, object parameters,
        CancellationToken cancellationToken, MySqlTransaction? transaction = null)
    {
        var requests = await connection.QueryAsync<RequestRow, UserSummary, UserSummary, FriendRequest>(
            new CommandDefinition($"{RequestSql} {where}", parameters, transaction, cancellationToken: cancellationToken),
            (r, from, to) => new FriendRequest(r.Id, from, to, r.Status, r.CreatedAt, r.RespondedAt),
            splitOn: "id,id");
        return requests.AsList();
    }
}
