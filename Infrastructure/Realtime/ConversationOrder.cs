namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// Hands each conversation's events to delivery in version order. A change takes its turn while
/// it holds its conversation's row lock (right after reading the version it will write), and the
/// lock makes the next change wait for this one's commit, so turns are taken in version order.
/// Each turn then delivers only after the turn before it has delivered or was given up: two
/// handlers that commit back to back can no longer overtake each other on the way to the socket.
/// Delivery itself never waits for a client (see OutboundBuffer), so neither does a turn.
/// Per process; with several instances each orders its own changes.
/// </summary>
public sealed class ConversationOrder
{
    private readonly Dictionary<long, Task> _lastTurn = new();

    public Turn Take(long conversationId)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_lastTurn)
        {
            previous = _lastTurn.GetValueOrDefault(conversationId, Task.CompletedTask);
            _lastTurn[conversationId] = done.Task;
        }
        return new Turn(this, conversationId, previous, done);
    }

    private void Finish(long conversationId, TaskCompletionSource done)
    {
        done.TrySetResult();
        lock (_lastTurn)
            if (_lastTurn.TryGetValue(conversationId, out var last) && last == done.Task)
                _lastTurn.Remove(conversationId);
    }

    /// <summary>One change's place in its conversation's order. Disposing it unused (a rollback) gives the place up.</summary>
    public sealed class Turn(ConversationOrder order, long conversationId, Task previous, TaskCompletionSource done) : IDisposable
    {
        public async Task DeliverAsync(Func<Task> send)
        {
            try
            {
                await previous;
                await send();
            }
            finally
            {
                Dispose();
            }
        }

        public void Dispose() => order.Finish(conversationId, done);
    }
}
