import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import {
  conversationKey, messageKey, type Conversation, type ConversationKey, type ConversationReadEvent, type FileInfo, type Message,
  type MessageDeletedEvent, type MessagePage, type ReactionChangedEvent,
} from '../../app/types';

// Every reducer here is pure and idempotent: a message is replaced only by a higher `version`, so an
// event applied twice, or late (after a history page that already holds a newer state), changes nothing.

export interface PendingMessage {
  clientMessageId: string;
  body: string;
  attachments: FileInfo[];
  replyToId: number | null;
  status: 'pending' | 'failed';
  error: string | null;
  createdAt: string;
}

export interface Thread {
  byId: Record<number, Message>;
  /** Whether older messages lie beyond the oldest one held. */
  hasMoreBefore: boolean;
  /** Whether the latest page was loaded; a thread only events have touched is not, and is not caught up. */
  loaded: boolean;
  /** Every change up to this version is applied: what `since=` asks from after a reconnect. */
  appliedVersion: number;
  pending: PendingMessage[];
}

export interface ChatState {
  conversations: Partial<Record<ConversationKey, Conversation>>;
  threads: Partial<Record<ConversationKey, Thread>>;
  /** userId to when their typing lapses (ms since epoch), per conversation. */
  typing: Partial<Record<ConversationKey, Record<number, number>>>;
  presence: Record<number, boolean>;
  connection: 'connecting' | 'online' | 'offline';
}

export const initialChatState: ChatState = { conversations: {}, threads: {}, typing: {}, presence: {}, connection: 'connecting' };

const emptyThread = (): Thread => ({ byId: {}, hasMoreBefore: true, loaded: false, appliedVersion: 0, pending: [] });

/** A tombstone as API.md describes it; fields a deleted message no longer shows are cleared so every path to it gives the same state. */
const tombstone = (base: Pick<Message, 'id' | 'roomId' | 'senderId' | 'recipientId' | 'createdAt'>, deletedAt: string, version: number): Message => ({
  id: base.id, roomId: base.roomId, senderId: base.senderId, recipientId: base.recipientId, body: '', attachments: [], clientMessageId: null,
  createdAt: base.createdAt, editedAt: null, deletedAt, version, replyTo: null, reactions: [],
});

/** A tombstone built from an event alone has no createdAt until some older copy of the message supplies it. */
export const isPartial = (m: Message) => m.createdAt === '';

function thread(state: ChatState, key: ConversationKey): Thread {
  return (state.threads[key] ??= emptyThread());
}

/** Applies one full message; returns whether it changed anything. */
function upsert(state: ChatState, key: ConversationKey, incoming: Message, me: number, countUnread: boolean): boolean {
  const t = thread(state, key);
  const existing = t.byId[incoming.id];
  if (existing && existing.version >= incoming.version) {
    if (isPartial(existing) && !isPartial(incoming)) existing.createdAt = incoming.createdAt;
    return false;
  }
  const message = incoming.deletedAt ? tombstone(incoming, incoming.deletedAt, incoming.version) : incoming;
  t.byId[message.id] = message;
  if (message.senderId === me && message.clientMessageId) t.pending = t.pending.filter((p) => p.clientMessageId !== message.clientMessageId);
  summarise(state, key, message, existing, me, countUnread);
  return true;
}

/** Keeps the inbox entry (last message, activity, unread badge) in step with a changed message. */
function summarise(state: ChatState, key: ConversationKey, message: Message, before: Message | undefined, me: number, countUnread: boolean) {
  const c = state.conversations[key];
  if (!c) return;
  c.version = Math.max(c.version, message.version);
  const last = c.lastMessage;
  const isNewest = !last || message.id > last.id;
  if (isNewest || (last && message.id === last.id && message.version > last.version)) {
    c.lastMessage = message;
    if (isNewest && !isPartial(message)) c.lastActivityAt = message.createdAt;
  }
  const unreadCandidate = message.senderId !== me && message.id > (c.lastReadMessageId ?? 0);
  if (!unreadCandidate) return;
  if (countUnread && isNewest && !message.deletedAt && !before) c.unreadCount += 1;
  if (message.deletedAt && before && !before.deletedAt && !isPartial(before)) c.unreadCount = Math.max(0, c.unreadCount - 1);
}

function mergeConversation(state: ChatState, incoming: Conversation) {
  const key = conversationKey(incoming);
  const local = state.conversations[key];
  // A list fetched before an event we already applied may be older than what we hold.
  if (local && local.version > incoming.version) {
    state.conversations[key] = {
      ...incoming, version: local.version, lastMessage: local.lastMessage, lastActivityAt: local.lastActivityAt,
      unreadCount: local.unreadCount, lastReadMessageId: maxId(local.lastReadMessageId, incoming.lastReadMessageId),
      otherLastReadMessageId: maxId(local.otherLastReadMessageId, incoming.otherLastReadMessageId),
    };
  } else {
    state.conversations[key] = {
      ...incoming,
      lastReadMessageId: maxId(local?.lastReadMessageId ?? null, incoming.lastReadMessageId),
      otherLastReadMessageId: maxId(local?.otherLastReadMessageId ?? null, incoming.otherLastReadMessageId),
    };
  }
}

const maxId = (a: number | null, b: number | null) => (a == null ? b : b == null ? a : Math.max(a, b));

/** Unread messages after `readId` among those held, for a marker that moved to a message short of the newest. */
function unreadAfter(state: ChatState, key: ConversationKey, readId: number, me: number) {
  const t = state.threads[key];
  if (!t) return 0;
  return Object.values(t.byId).filter((m) => m.id > readId && m.senderId !== me && !m.deletedAt).length;
}

export const chatSlice = createSlice({
  name: 'chat',
  initialState: initialChatState,
  reducers: {
    conversationsLoaded(state, { payload }: PayloadAction<{ conversations: Conversation[]; complete: boolean }>) {
      const seen = new Set(payload.conversations.map(conversationKey));
      for (const c of payload.conversations) mergeConversation(state, c);
      // A room missing from the whole list was left (or we were removed) while we were away.
      if (payload.complete) {
        for (const key of Object.keys(state.conversations) as ConversationKey[]) {
          if (key.startsWith('r:') && !seen.has(key)) {
            delete state.conversations[key];
            delete state.threads[key];
          }
        }
      }
    },
    conversationLeft(state, { payload }: PayloadAction<ConversationKey>) {
      delete state.conversations[payload];
      delete state.threads[payload];
    },
    messagesReceived(state, { payload }: PayloadAction<{ me: number; messages: Message[]; live: boolean }>) {
      for (const m of payload.messages) {
        const key = messageKey(m, payload.me);
        if (upsert(state, key, m, payload.me, payload.live) && payload.live) {
          const t = thread(state, key);
          t.appliedVersion = Math.max(t.appliedVersion, m.version);
        }
      }
    },
    pageLoaded(state, { payload }: PayloadAction<{ me: number; key: ConversationKey; page: MessagePage; kind: 'latest' | 'before' | 'after' | 'since' }>) {
      const { me, key, page, kind } = payload;
      const t = thread(state, key);
      for (const m of page.items) upsert(state, key, m, me, false);
      if (kind === 'latest' || kind === 'before') t.hasMoreBefore = page.hasMore;
      if (kind === 'latest') {
        t.loaded = true;
        t.appliedVersion = Math.max(t.appliedVersion, page.version);
      }
      if (kind === 'since') {
        const reached = page.hasMore ? Math.max(t.appliedVersion, ...page.items.map((m) => m.version)) : page.version;
        t.appliedVersion = Math.max(t.appliedVersion, reached);
      }
    },
    messageDeleted(state, { payload }: PayloadAction<{ me: number; event: MessageDeletedEvent; deletedAt: string }>) {
      const { me, event, deletedAt } = payload;
      const key = messageKey(event, me);
      const t = thread(state, key);
      const existing = t.byId[event.messageId];
      if (existing && existing.version >= event.version) return;
      const dead = tombstone({ id: event.messageId, roomId: event.roomId, senderId: event.senderId, recipientId: event.recipientId, createdAt: existing?.createdAt ?? '' }, existing?.deletedAt ?? deletedAt, event.version);
      t.byId[event.messageId] = dead;
      t.appliedVersion = Math.max(t.appliedVersion, event.version);
      summarise(state, key, dead, existing, me, false);
    },
    reactionChanged(state, { payload }: PayloadAction<{ me: number; event: ReactionChangedEvent }>) {
      const { me, event } = payload;
      const key = messageKey(event, me);
      const t = thread(state, key);
      t.appliedVersion = Math.max(t.appliedVersion, event.version);
      const m = t.byId[event.messageId];
      // Unknown message: its history page will carry the reaction. Older event: the message already includes it.
      if (!m || m.version >= event.version || m.deletedAt) return;
      const reactions = (m.reactions ?? []).map((r) => ({ ...r, userIds: [...r.userIds] }));
      let r = reactions.find((x) => x.emoji === event.emoji);
      if (!r) reactions.push((r = { emoji: event.emoji, count: 0, userIds: [] }));
      r.count = event.count;
      r.userIds = event.added ? (r.userIds.includes(event.userId) ? r.userIds : [...r.userIds, event.userId]) : r.userIds.filter((id) => id !== event.userId);
      m.reactions = reactions.filter((x) => x.count > 0);
      m.version = event.version;
      summarise(state, key, m, m, me, false);
    },
    conversationRead(state, { payload }: PayloadAction<{ me: number; event: ConversationReadEvent }>) {
      const { me, event } = payload;
      let key: ConversationKey | undefined;
      if (event.roomId != null) key = `r:${event.roomId}`;
      else if (event.userId !== me) key = `u:${event.userId}`;
      else key = findDirectByMessage(state, event.messageId);
      const c = key && state.conversations[key];
      if (!key || !c) return;
      if (event.userId === me) {
        if ((c.lastReadMessageId ?? 0) >= event.messageId) return;
        c.lastReadMessageId = event.messageId;
        c.unreadCount = c.lastMessage && event.messageId >= c.lastMessage.id ? 0 : Math.min(c.unreadCount, unreadAfter(state, key, event.messageId, me));
      } else if (event.roomId == null) {
        c.otherLastReadMessageId = maxId(c.otherLastReadMessageId, event.messageId);
      }
    },
    sendQueued(state, { payload }: PayloadAction<{ key: ConversationKey; message: PendingMessage }>) {
      const t = thread(state, payload.key);
      if (!t.pending.some((p) => p.clientMessageId === payload.message.clientMessageId)) t.pending.push(payload.message);
    },
    sendFailed(state, { payload }: PayloadAction<{ key: ConversationKey; clientMessageId: string; error: string }>) {
      const p = state.threads[payload.key]?.pending.find((x) => x.clientMessageId === payload.clientMessageId);
      if (p) Object.assign(p, { status: 'failed', error: payload.error });
    },
    sendRetried(state, { payload }: PayloadAction<{ key: ConversationKey; clientMessageId: string }>) {
      const p = state.threads[payload.key]?.pending.find((x) => x.clientMessageId === payload.clientMessageId);
      if (p) Object.assign(p, { status: 'pending', error: null });
    },
    sendDiscarded(state, { payload }: PayloadAction<{ key: ConversationKey; clientMessageId: string }>) {
      const t = state.threads[payload.key];
      if (t) t.pending = t.pending.filter((p) => p.clientMessageId !== payload.clientMessageId);
    },
    typingStarted(state, { payload }: PayloadAction<{ key: ConversationKey; userId: number; until: number }>) {
      (state.typing[payload.key] ??= {})[payload.userId] = payload.until;
    },
    typingStopped(state, { payload }: PayloadAction<{ key: ConversationKey; userId: number }>) {
      const t = state.typing[payload.key];
      if (t) delete t[payload.userId];
    },
    presenceChanged(state, { payload }: PayloadAction<{ userId: number; online: boolean }[]>) {
      for (const p of payload) state.presence[p.userId] = p.online;
    },
    connectionChanged(state, { payload }: PayloadAction<ChatState['connection']>) {
      state.connection = payload;
    },
    reset() {
      return initialChatState;
    },
  },
});

function findDirectByMessage(state: ChatState, messageId: number): ConversationKey | undefined {
  for (const [key, c] of Object.entries(state.conversations) as [ConversationKey, Conversation][]) {
    if (key.startsWith('u:') && (c.lastMessage?.id === messageId || state.threads[key]?.byId[messageId])) return key;
  }
  return undefined;
}

export const chat = chatSlice.actions;
