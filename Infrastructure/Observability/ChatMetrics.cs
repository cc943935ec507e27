using Prometheus;

namespace Messenger.Infrastructure.Observability;

/// <summary>
/// The chat's own counters, incremented where the thing happens:
/// <c>ChatMetrics.MessagesStored.Inc()</c>, <c>ChatMetrics.EventsSent.WithLabels(nameof(IChatClient.MessageReceived)).Inc()</c>.
/// Every name is listed in the README's metrics table.
/// </summary>
public static class ChatMetrics
{
    public static readonly Counter MessagesStored = Metrics.CreateCounter(
        "messenger_messages_stored_total", "Messages written to the database, direct and room, once each (an idempotent resend is not counted again).");

    public static readonly Counter EventsSent = Metrics.CreateCounter(
        "messenger_events_sent_total", "Hub events handed to SignalR, by event name: one per send, however many connections it addresses.", "event");

    public static readonly Counter EventsLost = Metrics.CreateCounter(
        "messenger_events_lost_total", "Hub events the Redis backplane could not publish (Redis unreachable), by event name; clients catch up.", "event");

    public static readonly Counter ConnectionsClosedSlow = Metrics.CreateCounter(
        "messenger_connections_closed_slow_total", "Hub connections the server closed because they left too much outbound data unread.");
}
