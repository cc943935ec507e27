using MediatR;
using Messenger.Features.Messages;
using Messenger.Features.Messages.AddReaction;
using Messenger.Features.Messages.DeleteMessage;
using Messenger.Features.Messages.EditMessage;
using Messenger.Features.Messages.RemoveReaction;
using Messenger.Features.Messages.SendDirectMessage;
using Messenger.Features.Messages.SendRoomMessage;
using Messenger.Features.Realtime.Connect;
using Messenger.Features.Realtime.Disconnect;
using Messenger.Features.Realtime.StartTyping;
using Messenger.Features.Realtime.StopTyping;
using Messenger.Features.Rooms;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Features.Rooms.LeaveRoom;
using Messenger.Infrastructure.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Messenger.Infrastructure.Realtime;

/// <summary>
/// The socket entry point. Thin on purpose: each method builds its slice's command from the
/// connection's user and sends it through the same MediatR pipeline as the REST endpoints.
/// A missing argument becomes id 0, which the slice's validator refuses as a 400.
/// </summary>
[Authorize]
public sealed class ChatHub(IMediator mediator) : Hub<IChatClient>
{
    private long UserId => Context.User!.UserId();

    public override Task OnConnectedAsync() => mediator.Send(new Connect.Command(UserId, Context.ConnectionId));

    public override Task OnDisconnectedAsync(Exception? exception) => mediator.Send(new Disconnect.Command(UserId, Context.ConnectionId));

    public Task<Message> SendDirectMessage(SendDirectMessage.HubArgs? body) =>
        mediator.Send(new SendDirectMessage.Command(UserId, body?.ToUserId ?? 0, body?.Body, body?.AttachmentIds, body?.ClientMessageId,
            body?.ReplyToId));

    public Task<Message> SendRoomMessage(SendRoomMessage.HubArgs? body) =>
        mediator.Send(new SendRoomMessage.Command(UserId, body?.RoomId ?? 0, body?.Body, body?.AttachmentIds, body?.ClientMessageId,
            body?.ReplyToId));

    public Task<Message> EditMessage(EditMessage.HubArgs? body) => mediator.Send(new EditMessage.Command(UserId, body?.MessageId ?? 0, body?.Body));

    public Task DeleteMessage(DeleteMessage.Body? body) => mediator.Send(new DeleteMessage.Command(UserId, body?.MessageId ?? 0));

    public Task<Message> AddReaction(AddReaction.Body? body) => mediator.Send(new AddReaction.Command(UserId, body?.MessageId ?? 0, body?.Emoji));

    public Task<Message> RemoveReaction(RemoveReaction.Body? body) =>
        mediator.Send(new RemoveReaction.Command(UserId, body?.MessageId ?? 0, body?.Emoji));

    public Task<Room> JoinRoom(JoinRoom.Body? body) => mediator.Send(new JoinRoom.Command(UserId, body?.RoomId ?? 0));

    public Task LeaveRoom(LeaveRoom.Body? body) => mediator.Send(new LeaveRoom.Command(UserId, body?.RoomId ?? 0));

    public Task StartTyping(StartTyping.Body? body) =>
        mediator.Send(new StartTyping.Command(UserId, Context.ConnectionId, body?.RoomId, body?.ToUserId));

    public Task StopTyping(StopTyping.Body? body) =>
        mediator.Send(new StopTyping.Command(UserId, Context.ConnectionId, body?.RoomId, body?.ToUserId));
}
