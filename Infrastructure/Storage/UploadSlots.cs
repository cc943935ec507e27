using System.Collections.Concurrent;
using Messenger.Infrastructure.Errors;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Storage;

/// <summary>
/// Caps the uploads this process has in progress, per user (429) and in all (503), so that slow
/// or parallel uploads cannot pile up memory, temporary files and storage calls without bound.
/// An upload that finds no room is refused at once rather than queued.
/// </summary>
public sealed class UploadSlots(IOptions<FilesOptions> options)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly int _max = options.Value.MaxConcurrentUploads;
    private readonly int _maxPerUser = options.Value.MaxConcurrentUploadsPerUser;
    private readonly ConcurrentDictionary<long, int> _perUser = new();
    private int _inProgress;

    /// <summary>Uploads being received or stored right now.</summary>
    public int InProgress => Volatile.Read(ref _inProgress);

    /// <summary>A slot for one upload of <paramref name="userId"/>, held until disposed.</summary>
    public IDisposable Take(long userId)
    {
        if (_perUser.AddOrUpdate(userId, 1, (_, count) => count + 1) > _maxPerUser)
        {
            LeaveUser(userId);
            throw new TooManyRequestsException(
                $"You have {_maxPerUser} uploads in progress already; send the next when one has finished.", RetryAfter);
        }
        if (Interlocked.Increment(ref _inProgress) > _max)
        {
            Interlocked.Decrement(ref _inProgress);
            LeaveUser(userId);
            throw new UploadsBusyException();
        }
        return new Slot(this, userId);
    }

    private void LeaveUser(long userId)
    {
        _perUser.AddOrUpdate(userId, 0, (_, count) => count - 1);
        // Only while still zero: an upload that came in meanwhile keeps its count.
        _perUser.TryRemove(new KeyValuePair<long, int>(userId, 0));
    }

    private sealed class Slot(UploadSlots slots, long userId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1)
                return;
            Interlocked.Decrement(ref slots._inProgress);
            slots.LeaveUser(userId);
        }
    }
}

/// <summary>The process has as many uploads in progress as it takes; nothing about this one is wrong.</summary>
public sealed class UploadsBusyException() : UnavailableException("The service has as many uploads in progress as it takes; try again shortly.");
