using Dapper;
using Messenger.Features.Conversations;
using Messenger.Infrastructure.Errors;
using Messenger.Infrastructure.Storage;
using MySqlConnector;

namespace Messenger.Features.Files;

public sealed record FileInfo(
    long Id, long OwnerId, string FileName, string ContentType, long Size, DateTime CreatedAt, DateTime UpdatedAt, string Url);

/// <summary>An object just written under a key no row has used yet.</summary>
public sealed record StoredObject(string Key, string ETag, long Size);

/// <summary>SQL and steps that several Files and Users slices share.</summary>
public static class FilesAccess
{
    /// <summary>
    /// "The viewer (@ViewerId) may read file f": the one read rule, used by every slice that shows
    /// or serves a file: its owner, anyone for an avatar, and anyone who can see a message it is
    /// attached to. Anyone else gets 404, as if the file did not exist.
    /// </summary>
    public const string ViewerMayRead = $"""
        (f.owner_id = @ViewerId
         OR EXISTS (SELECT 1 FROM users avatar_user WHERE avatar_user.avatar_file_id = f.id)
         OR EXISTS (SELECT 1 FROM message_attachments ma JOIN messages m ON m.id = ma.message_id
                    WHERE ma.file_id = f.id AND {ConversationsAccess.ViewerMaySee}))
        """;

    /// <summary>The FileInfo columns of a files row aliased <c>f</c>.</summary>
    public const string InfoColumns =
        "f.id, f.owner_id, f.file_name, f.content_type, f.size, f.created_at, f.updated_at, CONCAT('/files/', f.id) AS url";

    private const string InfoSql = $"SELECT {InfoColumns} FROM files f WHERE f.id = @FileId";

    private const string InsertSql = """
        INSERT INTO files (owner_id, object_key, file_name, content_type, size, etag, created_at, updated_at)
        VALUES (@OwnerId, @ObjectKey, @FileName, @ContentType, @Size, @ETag, @Now, @Now);
        SELECT LAST_INSERT_ID();
        """;

    private const string FindReadableSql = $"""
        SELECT f.owner_id, avatar.id AS avatar_of
        FROM files f LEFT JOIN users avatar ON avatar.avatar_file_id = f.id
        WHERE f.id = @FileId AND {ViewerMayRead}
        """;

    private const string LockObjectKeySql = "SELECT object_key FROM files WHERE id = @FileId AND owner_id = @OwnerId FOR UPDATE";

    // A locking read sees the latest commit, not the transaction's snapshot.
    private const string AttachedSql = "SELECT message_id FROM message_attachments WHERE file_id = @FileId LIMIT 1 LOCK IN SHARE MODE";

    /// <summary>
    /// Writes the upload under a fresh key, pending until the caller's transaction claims it with
    /// <see cref="OrphanObjects.ClaimAsync"/> as it writes the row. Keys are never reused, so a
    /// reader never sees a half-written object, and the ETag can simply name the version.
    /// </summary>
    public static async Task<StoredObject> StoreAsync(this OrphanObjects objects, Upload upload, string contentType,
        CancellationToken cancellationToken)
    {
        var version = Guid.NewGuid().ToString("N");
        var key = "files/" + version;
        await objects.PutNewAsync(key, upload.Content.OpenRead(), contentType, cancellationToken);
        return new StoredObject(key, version, upload.Content.Length);
    }

    public static Task<long> InsertFileAsync(this MySqlConnection connection, MySqlTransaction? transaction, long ownerId,
        Upload upload, string contentType, StoredObject stored, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, new
        {
            OwnerId = ownerId,
            ObjectKey = stored.Key,
            upload.FileName,
            ContentType = contentType,
            stored.Size,
            ETag = stored.ETag,
            Now = now,
        }, transaction, cancellationToken: cancellationToken));

    public static async Task<FileInfo> GetFileInfoAsync(this MySqlConnection connection, long fileId, CancellationToken cancellationToken,
        MySqlTransaction? transaction = null) =>
        await connection.QuerySingleOrDefaultAsync<FileInfo>(new CommandDefinition(InfoSql, new { FileId = fileId }, transaction,
            cancellationToken: cancellationToken))
        ?? throw new NotFoundException($"File {fileId} not found.");

    /// <summary>
    /// For replace and delete: 404 when the viewer may not even read the file, 403 when they may
    /// read it but do not own it. Returns whether the file is the owner's avatar.
    /// </summary>
    public static async Task<bool> EnsureOwnerAsync(this MySqlConnection connection, long viewerId, long fileId,
        CancellationToken cancellationToken)
    {
        var file = await connection.QuerySingleOrDefaultAsync<ReadableFile>(new CommandDefinition(FindReadableSql,
            new { ViewerId = viewerId, FileId = fileId }, cancellationToken: cancellationToken))
            ?? throw new NotFoundException($"File {fileId} not found.");
        if (file.OwnerId != viewerId)
            throw new ForbiddenException($"Only the owner may change file {fileId}.");
        return file.AvatarOf is not null;
    }

    private sealed record ReadableFile(long OwnerId, long? AvatarOf);

    /// <summary>Locks the owner's file row for the switch or delete; 404 if it went away meanwhile.</summary>
    public static async Task<string> LockObjectKeyAsync(this MySqlConnection connection, MySqlTransaction transaction, long ownerId,
        long fileId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(LockObjectKeySql,
            new { FileId = fileId, OwnerId = ownerId }, transaction, cancellationToken: cancellationToken))
        ?? throw new NotFoundException($"File {fileId} not found.");

    /// <summary>
    /// Whether a message carries the file. Ask it holding the file row's lock: a send locks the
    /// files it attaches, so none can attach this one between the answer and the commit.
    /// </summary>
    public static async Task<bool> IsAttachedAsync(this MySqlConnection connection, MySqlTransaction transaction, long fileId,
        CancellationToken cancellationToken) =>
        await connection.QueryFirstOrDefaultAsync<long?>(new CommandDefinition(AttachedSql, new { FileId = fileId }, transaction,
            cancellationToken: cancellationToken)) is not null;
}
