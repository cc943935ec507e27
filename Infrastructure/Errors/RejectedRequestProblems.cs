using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace Messenger.Infrastructure.Errors;

/// <summary>
/// Kestrel refuses a request line or headers over its limits (414, 431), a malformed request (400)
/// or headers that arrive too slowly (408) itself, before the application sees the request, with
/// an empty body. The contract promises a problem body on every error, so the connection's output
/// is watched: what Kestrel writes while none of the connection's requests is inside the
/// application can only be such a refusal (or HTTP/2 frames), and a bodiless 4xx/5xx head there is
/// given a problem+json body. Plain HTTP only: on a TLS endpoint Kestrel terminates itself, this
/// sees ciphertext and changes nothing.
/// </summary>
public static class RejectedRequestProblems
{
    /// <summary>Marks each request on its way into the application and out of it.</summary>
    public static WebApplication UseRejectedRequestProblems(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.Features.Get<RequestsInApplication>() is { } requests)
            {
                requests.Enter();
                // Fires after Kestrel has written the whole response, its last chunk included.
                context.Response.OnCompleted(() =>
                {
                    requests.Leave();
                    return Task.CompletedTask;
                });
            }
            return next(context);
        });
        return app;
    }

    public static void WatchConnection(ListenOptions listen) =>
        listen.Use(next => async connection =>
        {
            var requests = new RequestsInApplication();
            connection.Features.Set(requests);
            var transport = connection.Transport;
            var limits = listen.KestrelServerOptions.Limits;
            connection.Transport = new Transport(transport.Input,
                new WatchedOutput(transport.Output, requests, head => WithProblemBody(head, connection.ConnectionId, limits)));
            try
            {
                await next(connection);
            }
            finally
            {
                connection.Transport = transport;
            }
        });

    /// <summary>The head with a problem body, or null when it is not a bodiless error head.</summary>
    private static byte[]? WithProblemBody(ReadOnlySpan<byte> written, string connectionId, KestrelServerLimits limits)
    {
        if (written.Length < 16 || !(written.StartsWith("HTTP/1.1 "u8) || written.StartsWith("HTTP/1.0 "u8)) || !written.EndsWith("\r\n\r\n"u8))
            return null;
        var head = Encoding.Latin1.GetString(written);
        if (!int.TryParse(head.AsSpan(9, 3), out var status) || status < 400 || head.IndexOf("\r\n\r\n", StringComparison.Ordinal) != head.Length - 4)
            return null;
        var lines = head[..^4].Split("\r\n").ToList();
        var contentLength = lines.FindIndex(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (contentLength < 0 || lines[contentLength]["Content-Length:".Length..].Trim() != "0")
            return null;

        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = "about:blank",
            title = ReasonPhrases.GetReasonPhrase(status),
            status,
            detail = status switch
            {
                StatusCodes.Status414UriTooLong => $"The request line is longer than {limits.MaxRequestLineSize} bytes.",
                StatusCodes.Status431RequestHeaderFieldsTooLarge =>
                    $"The request headers are larger than {limits.MaxRequestHeadersTotalSize} bytes in all, or more than {limits.MaxRequestHeaderCount}.",
                StatusCodes.Status408RequestTimeout => "The request headers did not arrive in time.",
                StatusCodes.Status400BadRequest => "The request is malformed.",
                _ => ReasonPhrases.GetReasonPhrase(status) + ".",
            },
            // Kestrel's log line about the refusal names the same connection.
            traceId = connectionId,
        });
        lines[contentLength] = $"Content-Length: {body.Length}";
        lines.Insert(1, "Content-Type: application/problem+json");
        return [.. Encoding.Latin1.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n"), .. body];
    }

    private sealed class RequestsInApplication
    {
        private int _count;

        public bool Any => Volatile.Read(ref _count) > 0;

        public void Enter() => Interlocked.Increment(ref _count);

        public void Leave() => Interlocked.Decrement(ref _count);
    }

    private sealed class Transport(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// Passes writes made while a request is in the application straight through; holds the others
    /// until their flush, when a refusal's head is complete and can be replaced whole.
    /// </summary>
    private sealed class WatchedOutput(PipeWriter inner, RequestsInApplication requests, Func<ReadOnlySpan<byte>, byte[]?> replace) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _held = new();
        private bool _holding;

        public override Memory<byte> GetMemory(int sizeHint = 0) => Choose() ? _held.GetMemory(sizeHint) : inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Choose() ? _held.GetSpan(sizeHint) : inner.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (_holding)
                _held.Advance(bytes);
            else
                inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Release();
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Release();
            inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            Release();
            return inner.CompleteAsync(exception);
        }

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes + _held.WrittenCount;

        private bool Choose() => _holding = _held.WrittenCount > 0 || !requests.Any;

        private void Release()
        {
            if (_held.WrittenCount == 0)
                return;
            inner.Write(replace(_held.WrittenSpan) ?? _held.WrittenSpan);
            _held.Clear();
        }
    }
}
