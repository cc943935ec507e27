namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// Lets one holder per key at a time through, in this process; the others wait their turn in
/// memory, in arrival order. A key's entry lives only while someone holds or waits for it.
/// </summary>
public sealed class OneAtATime<TKey> where TKey : notnull
{
    private readonly Dictionary<TKey, Gate> _gates = new();

    public async Task<IDisposable> EnterAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(key, out gate!))
                _gates[key] = gate = new Gate(this, key);
            gate.Users++;
        }
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(gate);
            throw;
        }
        return gate;
    }

    private void Leave(Gate gate)
    {
        lock (_gates)
            if (--gate.Users == 0)
                _gates.Remove(gate.Key);
    }

    private sealed class Gate(OneAtATime<TKey> owner, TKey key) : IDisposable
    {
        public TKey Key { get; } = key;
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        public int Users { get; set; }

        public void Dispose()
        {
            Semaphore.Release();
            owner.Leave(this);
        }
    }
}
