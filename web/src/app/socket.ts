import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { chat } from '../features/conversations/chatSlice';
import { api } from './api';
import { isFresh, refreshSession } from './session';
import type { AppDispatch, RootState } from './store';
import {
  roomKey, userKey, type ConversationReadEvent, type FriendRequest, type Invite, type Message, type MessageDeletedEvent,
  type ParticipantJoinedEvent, type ParticipantLeftEvent, type PresenceChangedEvent, type ReactionChangedEvent, type TypingEvent,
} from './types';

// The one hub connection of this tab. Hub events become store actions here; what to do after a
// (re)connect (catch up, send what is queued) is the caller's `onOnline`.

interface Store { dispatch: AppDispatch; getState: () => RootState }

/** Typing counts as ended this long after the last TypingStarted (API.md: 6 s). */
export const typingLapseMs = 6_000;

/** Silence after which the connection counts as dead: three of the server's 5 s keep-alive pings missed. */
export const serverTimeoutMs = 15_000;

let connection: HubConnection | null = null;

export function startSocket(store: Store, onOnline: () => void) {
  stopSocket(store);
  const { dispatch, getState } = store;
  const me = () => getState().auth.user!.id;
  const c = new HubConnectionBuilder()
    .withUrl('/hubs/chat', {
      accessTokenFactory: async () => {
        const { accessToken, expiresAt } = getState().auth;
        if (isFresh(accessToken, expiresAt, Date.now())) return accessToken!;
        return (await refreshSession(accessToken)) ?? '';
      },
    })
    // Never give up: a laptop that slept for an hour should come back by itself.
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** ctx.previousRetryCount) })
    // The server pings every 5 s (RealtimeSetup), so 15 s without a word means the network died
    // silently: reconnect and show the banner then, not after SignalR's default 30 s.
    .withServerTimeout(serverTimeoutMs)
    .configureLogging(LogLevel.Warning)
    .build();
  connection = c;

  const messages = (list: Message[]) => dispatch(chat.messagesReceived({ me: me(), messages: list, live: true }));
  c.on('MessageReceived', (m: Message) => messages([m]));
  c.on('MessageEdited', (m: Message) => messages([m]));
  c.on('MessageDeleted', (e: MessageDeletedEvent) => dispatch(chat.messageDeleted({ me: me(), event: e, deletedAt: new Date().toISOString() })));
  c.on('ReactionChanged', (e: ReactionChangedEvent) => dispatch(chat.reactionChanged({ me: me(), event: e })));
  c.on('ConversationRead', (e: ConversationReadEvent) => dispatch(chat.conversationRead({ me: me(), event: e })));
  c.on('TypingStarted', (e: TypingEvent) =>
    dispatch(chat.typingStarted({ key: e.roomId != null ? roomKey(e.roomId) : userKey(e.userId), userId: e.userId, until: Date.now() + typingLapseMs })));
  c.on('TypingStopped', (e: TypingEvent) => dispatch(chat.typingStopped({ key: e.roomId != null ? roomKey(e.roomId) : userKey(e.userId), userId: e.userId })));
  c.on('PresenceChanged', (e: PresenceChangedEvent) => dispatch(chat.presenceChanged([e])));
  const friendsChanged = () => dispatch(api.util.invalidateTags(['Friends', 'Requests', 'Users']));
  c.on('FriendRequestReceived', (_: FriendRequest) => friendsChanged());
  c.on('FriendRequestResponded', (_: FriendRequest) => friendsChanged());
  c.on('FriendRemoved', (e: { userId: number }) => {
    // Presence goes to friends only, so no event will say they went offline: stop showing them online.
    dispatch(chat.presenceChanged([{ userId: e.userId, online: false }]));
    friendsChanged();
  });
  c.on('RoomInviteReceived', (_: Invite) => dispatch(api.util.invalidateTags(['Invites'])));
  c.on('RoomInviteResponded', (_: Invite) => dispatch(api.util.invalidateTags(['Invites', 'Participants'])));
  c.on('ParticipantJoined', (e: ParticipantJoinedEvent) => {
    dispatch(api.util.invalidateTags(['Participants', 'Room', 'MyRooms']));
    if (e.user.id === me()) onOnline();
  });
  c.on('ParticipantLeft', (e: ParticipantLeftEvent) => {
    dispatch(api.util.invalidateTags(['Participants', 'Room', 'MyRooms']));
    if (e.userId === me()) dispatch(chat.conversationLeft(roomKey(e.roomId)));
  });

  c.onreconnecting(() => dispatch(chat.connectionChanged('offline')));
  c.onreconnected(() => {
    dispatch(chat.connectionChanged('online'));
    onOnline();
  });
  c.onclose(() => {
    if (connection !== c) return;
    dispatch(chat.connectionChanged('offline'));
    setTimeout(() => connection === c && void connect(store, c, onOnline), 3_000);
  });
  void connect(store, c, onOnline);
}

async function connect(store: Store, c: HubConnection, onOnline: () => void) {
  if (c.state !== HubConnectionState.Disconnected) return;
  // The browser knows it has no network: wait for its "online" event instead of failing in a loop.
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return;
  try {
    store.dispatch(chat.connectionChanged('connecting'));
    await c.start();
    if (connection !== c) return void c.stop();
    store.dispatch(chat.connectionChanged('online'));
    onOnline();
  } catch {
    if (connection !== c) return;
    store.dispatch(chat.connectionChanged('offline'));
    setTimeout(() => connection === c && void connect(store, c, onOnline), 3_000);
  }
}

/** The browser went offline or came back (its own events, which come sooner than a socket timeout). */
export function networkChanged(store: Store, online: boolean, onOnline: () => void) {
  const c = connection;
  if (!c) return;
  if (!online) {
    store.dispatch(chat.connectionChanged('offline'));
    void c.stop().then(() => undefined);
    // stop() fires onclose, which schedules a retry; connect() waits for the network.
  } else {
    void connect(store, c, onOnline);
  }
}

export function stopSocket(store: Store) {
  const c = connection;
  connection = null;
  if (c) void c.stop();
  store.dispatch(chat.connectionChanged('connecting'));
}

export const socketConnected = () => connection?.state === HubConnectionState.Connected;

export function invoke<T>(method: string, arg: unknown): Promise<T> {
  if (!connection || connection.state !== HubConnectionState.Connected) return Promise.reject(new Error('not connected'));
  return connection.invoke<T>(method, arg);
}

