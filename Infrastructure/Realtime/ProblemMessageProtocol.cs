using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// The JSON hub protocol, except that a failed call's error reads exactly as the HubException
/// said. SignalR prefixes it with "An unexpected error occurred invoking 'X' on the server.
/// HubException: "; the contract promises clients a message that starts with the status
/// ("403 Forbidden: ...") so they can act on it. Arguments SignalR could not bind (a string
/// where an id belongs) fail before any filter runs; they are bad input, so they read as a 400.
/// </summary>
public sealed class ProblemMessageProtocol(IHubProtocol json) : IHubProtocol
{
    private const string Marker = " HubException: ";
    private const string BindingFailure = "Failed to invoke '";

    public string Name => json.Name;
    public int Version => json.Version;
    public TransferFormat TransferFormat => json.TransferFormat;

    public bool IsVersionSupported(int version) => json.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        json.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => json.WriteMessage(Unwrap(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => json.GetMessageBytes(Unwrap(message));

    private static HubMessage Unwrap(HubMessage message)
    {
        if (message is not CompletionMessage { Error: { } error, InvocationId: { } id })
            return message;
        if (error.IndexOf(Marker, StringComparison.Ordinal) is var at and >= 0)
            return CompletionMessage.WithError(id, error[(at + Marker.Length)..]);
        if (error.StartsWith(BindingFailure, StringComparison.Ordinal))
            return CompletionMessage.WithError(id, "400 Bad Request: the arguments do not match the method (expected one object with the documented fields)");
        return message;
    }
}
