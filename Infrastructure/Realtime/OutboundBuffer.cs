using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Messenger.Infrastructure.Realtime;

public sealed class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>Outbound bytes a connection may leave unread before the server closes it.</summary>
    public long MaxBufferedBytesPerConnection { get; set; } = 1024 * 1024;
}

/// <summary>
/// Connection middleware between SignalR and each socket. SignalR's own writes wait whenever the
/// socket is backed up, so a client that stops reading would hold up every group send that
/// includes it, and with it the request that sent the event. Here a write never waits: it lands
/// in a buffer of the connection's own that a pump drains to the socket as fast as the client
/// reads, in the order written. A client that leaves more than
/// <see cref="RealtimeOptions.MaxBufferedBytesPerConnection"/> unread is closed, logged and counted;
/// it reconnects and catches up through GET /conversations and since=.
/// </summary>
public static class OutboundBuffer
{
    public static IConnectionBuilder UseOutboundBuffer(this IConnectionBuilder builder)
    {
        var limit = builder.ApplicationServices.GetRequiredService<IOptions<RealtimeOptions>>().Value.MaxBufferedBytesPerConnection;
        var logger = builder.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OutboundBuffer));
        return builder.Use(next => async connection =>
        {
            var socket = connection.Transport;
            // No pause threshold: FlushAsync never waits, however far behind the socket is. The pump
            // runs inline on SignalR's flush until the socket's own pipe pushes back (a slow
            // client): a hop through the thread pool less per event, about a tenth of the service's
            // CPU in W1; waiting is still never done there, only copying.
            var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
            var buffer = new BoundedWriter(pipe.Writer, limit, () =>
            {
                logger.LogWarning("Closing connection {ConnectionId}: more than {Limit} bytes of events left unread", connection.ConnectionId, limit);
                Observability.ChatMetrics.ConnectionsClosedSlow.Inc();
                connection.Abort(new ConnectionAbortedException("The client left too many events unread."));
            });
            connection.Transport = new DuplexPipe(socket.Input, buffer);
            _ = PumpAsync(pipe.Reader, socket.Output, buffer, connection.ConnectionClosed);
            try
            {
                await next(connection);
            }
            finally
            {
                // What is still buffered (the close message, say) goes out if the client reads it;
                // the pump ends by itself when the socket closes.
                await pipe.Writer.CompleteAsync();
                connection.Transport = socket;
            }
        });
    }

    private static async Task PumpAsync(PipeReader buffer, PipeWriter socket, BoundedWriter counter, CancellationToken closed)
    {
        try
        {
            while (true)
            {
                var read = await buffer.ReadAsync(closed);
                foreach (var segment in read.Buffer)
                    socket.Write(segment.Span);
                var flushed = await socket.FlushAsync(closed);
                counter.Sent(read.Buffer.Length);
                buffer.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || flushed.IsCompleted || flushed.IsCanceled)
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or ConnectionAbortedException)
        {
            // The socket went away; nothing is left to deliver to.
        }
        finally
        {
            await buffer.CompleteAsync();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// Counts what SignalR flushes into the buffer against what the pump has handed to the socket.
    /// SignalR writes one message at a time under its own lock, so only the running total is shared.
    /// </summary>
    private sealed class BoundedWriter(PipeWriter inner, long limit, Action overflow) : PipeWriter
    {
        private long _unflushed;
        private long _buffered;
        private int _overflowed;

        public void Sent(long bytes) => Interlocked.Add(ref _buffered, -bytes);

        public override void Advance(int bytes)
        {
            _unflushed += bytes;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var buffered = Interlocked.Add(ref _buffered, _unflushed);
            _unflushed = 0;
            if (buffered > limit && Interlocked.Exchange(ref _overflowed, 1) == 0)
                overflow();
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
