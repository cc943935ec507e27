import type { AppThunk } from '../../app/store';
import { invoke } from '../../app/socket';
import type { ConversationKey, FileInfo, Message } from '../../app/types';
import { chat, type PendingMessage, type Thread } from './chatSlice';
import { conversationsApi, type PageArgs } from './conversationsApi';

const once = { subscribe: false, forceRefetch: true } as const;

function fetchPage(args: PageArgs): AppThunk<Promise<import('../../app/types').MessagePage | undefined>> {
  return async (dispatch) => (await dispatch(conversationsApi.endpoints.getMessages.initiate(args, once))).data;
}

export const loadConversations = (): AppThunk<Promise<boolean>> => async (dispatch) => {
  const { data } = await dispatch(conversationsApi.endpoints.listConversations.initiate(undefined, once));
  if (data) dispatch(chat.conversationsLoaded({ conversations: data, complete: data.length < 100 }));
  return data != null;
};

/** Opens a conversation: its latest page, or the page around `messageId` when jumping to a search result. */
export const openThread = (key: ConversationKey, messageId?: number): AppThunk<Promise<void>> => async (dispatch, getState) => {
  const me = getState().auth.user!.id;
  if (messageId) {
    const held = getState().chat.threads[key];
    if (held?.loaded && held.byId[messageId]) return;
    const older = await dispatch(fetchPage({ key, before: messageId + 1, limit: 30 }));
    if (!older) return;
    dispatch(chat.pageLoaded({ me, key, page: older, kind: 'before' }));
  }
  if (getState().chat.threads[key]?.loaded && !messageId) return;
  const latest = await dispatch(fetchPage({ key, limit: 50 }));
  if (latest) dispatch(chat.pageLoaded({ me, key, page: latest, kind: 'latest' }));
  // Fill the gap between the jumped-to page and the latest one, so the thread has no hole.
  let after = messageId;
  while (after && latest && latest.items.length && latest.items[0].id > after + 1) {
    const page = await dispatch(fetchPage({ key, after, limit: 100 }));
    if (!page) break;
    dispatch(chat.pageLoaded({ me, key, page, kind: 'after' }));
    if (!page.hasMore || !page.items.length) break;
    after = page.items[page.items.length - 1].id;
  }
};

export const loadOlder = (key: ConversationKey): AppThunk<Promise<void>> => async (dispatch, getState) => {
  const t = getState().chat.threads[key];
  if (!t?.hasMoreBefore) return;
  const ids = Object.keys(t.byId).map(Number);
  if (!ids.length) return;
  const page = await dispatch(fetchPage({ key, before: Math.min(...ids), limit: 50 }));
  if (page) dispatch(chat.pageLoaded({ me: getState().auth.user!.id, key, page, kind: 'before' }));
};

/**
 * After a (re)connect: the inbox from GET /conversations, then `since=` for every open thread that
 * is behind, so nothing sent, edited or deleted while we were away is missing; then send what is queued.
 */
export const catchUp = (): AppThunk<Promise<void>> => async (dispatch, getState) => {
  if (!(await dispatch(loadConversations()))) return;
  const me = getState().auth.user!.id;
  const { conversations, threads } = getState().chat;
  await Promise.all((Object.keys(threads) as ConversationKey[]).map(async (key) => {
    const c = conversations[key];
    for (let guard = 0; guard < 50; guard++) {
      const t = getState().chat.threads[key];
      if (!t?.loaded || !c || c.version <= t.appliedVersion) return;
      const page = await dispatch(fetchPage({ key, since: t.appliedVersion, limit: 100 }));
      if (!page) return;
      dispatch(chat.pageLoaded({ me, key, page, kind: 'since' }));
      if (!page.hasMore) return;
    }
  }));
  dispatch(flushPending());
};

const newClientMessageId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;

export const sendMessage = (key: ConversationKey, body: string, attachments: FileInfo[], replyToId: number | null): AppThunk =>
  (dispatch) => {
    const message: PendingMessage = {
      clientMessageId: newClientMessageId(), body, attachments, replyToId, status: 'pending', error: null, createdAt: new Date().toISOString(),
    };
    dispatch(chat.sendQueued({ key, message }));
    dispatch(deliver(key, message));
  };

export const retrySend = (key: ConversationKey, clientMessageId: string): AppThunk => (dispatch, getState) => {
  const p = getState().chat.threads[key]?.pending.find((x) => x.clientMessageId === clientMessageId);
  if (!p) return;
  dispatch(chat.sendRetried({ key, clientMessageId }));
  dispatch(deliver(key, p));
};

/** Sends every queued message again with its own clientMessageId: the server stores each once. */
export const flushPending = (): AppThunk => (dispatch, getState) => {
  for (const [key, t] of Object.entries(getState().chat.threads) as [ConversationKey, Thread][]) {
    for (const p of t.pending) if (p.status === 'pending') dispatch(deliver(key, p));
  }
};

function deliver(key: ConversationKey, p: PendingMessage): AppThunk {
  return (dispatch, getState) => {
    const id = Number(key.slice(2));
    const args = {
      body: p.body, attachmentIds: p.attachments.map((a) => a.id), clientMessageId: p.clientMessageId, replyToId: p.replyToId ?? undefined,
      ...(key.startsWith('r:') ? { roomId: id } : { toUserId: id }),
    };
    invoke<Message>(key.startsWith('r:') ? 'SendRoomMessage' : 'SendDirectMessage', args).then(
      (m) => dispatch(chat.messagesReceived({ me: getState().auth.user!.id, messages: [m], live: false })),
      (e: Error) => {
        // "403 Forbidden: ..." is the server's answer; anything else is the connection, and the
        // message stays queued for the next connect.
        const refused = /^\d{3} /.exec(hubMessage(e));
        if (refused) dispatch(chat.sendFailed({ key, clientMessageId: p.clientMessageId, error: hubMessage(e) }));
      },
    );
  };
}

/** SignalR prefixes server errors with "An unexpected error occurred invoking 'X' on the server. HubException: ". */
export const hubMessage = (e: Error) => e.message.replace(/^.*HubException: /, '');

export const markRead = (key: ConversationKey, messageId: number): AppThunk => (dispatch, getState) => {
  const c = getState().chat.conversations[key];
  if (!c || (c.lastReadMessageId ?? 0) >= messageId) return;
  const me = getState().auth.user!.id;
  dispatch(chat.conversationRead({ me, event: { roomId: key.startsWith('r:') ? Number(key.slice(2)) : null, userId: me, messageId } }));
  void dispatch(conversationsApi.endpoints.markRead.initiate({ key, messageId }));
};

const typingSent: Partial<Record<ConversationKey, number>> = {};
const typingTarget = (key: ConversationKey) => (key.startsWith('r:') ? { roomId: Number(key.slice(2)) } : { toUserId: Number(key.slice(2)) });

/** Called on every keystroke: StartTyping at most every 3 s, as API.md asks of clients. */
export const typing = (key: ConversationKey) => {
  const now = Date.now();
  if (now - (typingSent[key] ?? 0) < 3_000) return;
  typingSent[key] = now;
  invoke('StartTyping', typingTarget(key)).catch(() => undefined);
};

export const typingDone = (key: ConversationKey) => {
  if (!typingSent[key]) return;
  delete typingSent[key];
  invoke('StopTyping', typingTarget(key)).catch(() => undefined);
};
