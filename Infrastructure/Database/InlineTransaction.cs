using Dapper;
using MySqlConnector;

namespace Messenger.Infrastructure.Database;

/// <summary>
/// A transaction that the SQL itself begins (a batch starting with <see cref="Begin"/>) and
/// commits (a batch with COMMIT in it). BeginTransactionAsync costs a round trip of its own; on
/// the message paths, where round trips are most of the cost, the BEGIN rides along with the
/// first batch instead. Disposing it before <see cref="Committed"/> rolls back.
/// </summary>
public sealed class InlineTransaction(MySqlConnection connection) : IAsyncDisposable
{
    public const string Begin = "START TRANSACTION;";

    private bool _open = true;

    /// <summary>Call once the batch holding the COMMIT has run.</summary>
    public void Committed() => _open = false;

    public async Task RollbackAsync()
    {
        if (!_open)
            return;
        _open = false;
        try
        {
            await connection.ExecuteAsync("ROLLBACK");
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException)
        {
            // The connection broke: the pool discards it, and the server rolls back when it closes.
        }
    }

    public async ValueTask DisposeAsync() => await RollbackAsync();
}
