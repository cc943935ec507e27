import { describe, expect, it } from 'vitest';
import type { UnknownAction } from '@reduxjs/toolkit';
import type { Conversation, Message } from '../../app/types';
import { chat, chatSlice, initialChatState, type ChatState } from './chatSlice';

const me = 1;
const bob = 2;
const key = 'u:2' as const;

const message = (id: number, version: number, patch: Partial<Message> = {}): Message => ({
  id, roomId: null, senderId: bob, recipientId: me, body: `message ${id}`, attachments: [], clientMessageId: null,
  createdAt: `2026-12-01T10:00:0${id}.000Z`, editedAt: null, deletedAt: null, version, replyTo: null, reactions: [], ...patch,
});

const conversation = (patch: Partial<Conversation> = {}): Conversation => ({
  roomId: null, user: { id: bob, username: 'bob', displayName: 'Bob', avatarUrl: null }, name: 'Bob', version: 0, lastMessage: null,
  unreadCount: 0, lastReadMessageId: null, otherLastReadMessageId: null, lastActivityAt: '2026-12-01T09:00:00.000Z', ...patch,
});

const run = (actions: UnknownAction[], state: ChatState = initialChatState) => actions.reduce((s, a) => chatSlice.reducer(s, a), state);
const withInbox = run([chat.conversationsLoaded({ conversations: [conversation()], complete: true })]);

const received = (m: Message) => chat.messagesReceived({ me, messages: [m], live: true });
const deleted = (id: number, version: number) =>
  chat.messageDeleted({ me, event: { messageId: id, roomId: null, senderId: bob, recipientId: me, version }, deletedAt: '2026-12-01T11:00:00.000Z' });
const reacted = (id: number, version: number, userId: number, added: boolean, count: number) =>
  chat.reactionChanged({ me, event: { messageId: id, roomId: null, senderId: bob, recipientId: me, emoji: '👍', userId, added, count, version } });

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('message events by version', () => {
  it('a message received twice is stored once and counted unread once', () => {
    const state = run([received(message(1, 1)), received(message(1, 1))], withInbox);
    expect(Object.keys(state.threads[key]!.byId)).toEqual(['1']);
    expect(state.conversations[key]!.unreadCount).toBe(1);
    expect(state.conversations[key]!.lastMessage!.id).toBe(1);
  });

  it('every order of a send, two edits and a delete, each delivered twice, ends in the same tombstone', () => {
    const events = [
      received(message(1, 1)),
      received(message(1, 2, { body: 'edited once', editedAt: '2026-12-01T10:01:00.000Z' })),
      received(message(1, 3, { body: 'edited twice', editedAt: '2026-12-01T10:02:00.000Z' })),
      deleted(1, 4),
    ];
    const expected = run(events, withInbox);
    expect(expected.threads[key]!.byId[1]).toMatchObject({ body: '', deletedAt: '2026-12-01T11:00:00.000Z', version: 4, createdAt: '2026-12-01T10:00:01.000Z' });
    for (const order of permutations(events)) {
      const state = run([...order, ...order], withInbox);
      expect(state.threads[key]!.byId).toEqual(expected.threads[key]!.byId);
      expect(state.conversations[key]!.unreadCount).toBe(0);
    }
  });

  it('an edit that arrives after a newer page of history is ignored', () => {
    const page = chat.pageLoaded({ me, key, kind: 'latest', page: { items: [message(1, 5, { body: 'latest' })], hasMore: false, version: 5 } });
    const state = run([page, received(message(1, 3, { body: 'stale' }))], withInbox);
    expect(state.threads[key]!.byId[1].body).toBe('latest');
    expect(state.threads[key]!.appliedVersion).toBe(5);
  });

  it('reactions apply once per version and a full message after them wins', () => {
    const events = [received(message(1, 1)), reacted(1, 2, me, true, 1), reacted(1, 3, bob, true, 2)];
    const state = run([...events, ...events], withInbox);
    expect(state.threads[key]!.byId[1].reactions).toEqual([{ emoji: '👍', count: 2, userIds: [me, bob] }]);
    const full = message(1, 4, { reactions: [{ emoji: '👍', count: 1, userIds: [bob] }] });
    for (const order of permutations([...events, received(full)])) {
      expect(run(order, withInbox).threads[key]!.byId[1]).toEqual(full);
    }
  });

  it('a reaction removed drops the emoji when its count reaches zero', () => {
    const state = run([received(message(1, 1)), reacted(1, 2, me, true, 1), reacted(1, 3, me, false, 0)], withInbox);
    expect(state.threads[key]!.byId[1].reactions).toEqual([]);
    expect(state.threads[key]!.byId[1].version).toBe(3);
  });

  it('deleting an unread message takes it off the badge, once', () => {
    const state = run([received(message(1, 1)), received(message(2, 2)), deleted(2, 3), deleted(2, 3)], withInbox);
    expect(state.conversations[key]!.unreadCount).toBe(1);
    expect(state.conversations[key]!.lastMessage).toMatchObject({ id: 2, deletedAt: '2026-12-01T11:00:00.000Z' });
  });

  it('a read marker moves only forward and clears the badge at the newest message', () => {
    const read = (messageId: number) => chat.conversationRead({ me, event: { roomId: null, userId: me, messageId } });
    const state = run([received(message(1, 1)), received(message(2, 2)), read(2), read(1)], withInbox);
    expect(state.conversations[key]).toMatchObject({ unreadCount: 0, lastReadMessageId: 2 });
    const theirs = run([chat.conversationRead({ me, event: { roomId: null, userId: bob, messageId: 7 } }),
      chat.conversationRead({ me, event: { roomId: null, userId: bob, messageId: 5 } })], state);
    expect(theirs.conversations[key]!.otherLastReadMessageId).toBe(7);
  });

  it('an inbox fetched before events we applied does not roll them back', () => {
    const state = run([received(message(3, 9))], withInbox);
    const stale = run([chat.conversationsLoaded({ conversations: [conversation({ version: 4, unreadCount: 0 })], complete: true })], state);
    expect(stale.conversations[key]).toMatchObject({ version: 9, unreadCount: 1, lastMessage: { id: 3 } });
  });

  it('a room missing from the complete inbox was left: its thread goes too', () => {
    const room = conversation({ roomId: 5, user: null, name: 'Room' });
    const state = run([chat.conversationsLoaded({ conversations: [room, conversation()], complete: true })]);
    const after = run([chat.conversationsLoaded({ conversations: [conversation()], complete: true })], state);
    expect(Object.keys(after.conversations)).toEqual([key]);
  });
});

describe('sending', () => {
  const pending = { clientMessageId: 'c-1', body: 'hello', attachments: [], replyToId: null, status: 'pending' as const, error: null, createdAt: '2026-12-01T10:00:00.000Z' };
  const mine = message(4, 4, { senderId: me, recipientId: bob, body: 'hello', clientMessageId: 'c-1' });

  it('a queued message is pending until the server confirms it, then it is the stored message', () => {
    let state = run([chat.sendQueued({ key, message: pending }), chat.sendQueued({ key, message: pending })], withInbox);
    expect(state.threads[key]!.pending).toEqual([pending]);
    state = run([chat.messagesReceived({ me, messages: [mine], live: false })], state);
    expect(state.threads[key]!.pending).toEqual([]);
    expect(state.threads[key]!.byId[4].clientMessageId).toBe('c-1');
    expect(state.conversations[key]!.unreadCount).toBe(0);
  });

  it('a refused message is failed with the reason, and a retry makes it pending again with the same clientMessageId', () => {
    let state = run([chat.sendQueued({ key, message: pending }), chat.sendFailed({ key, clientMessageId: 'c-1', error: '403 Forbidden: not friends' })], withInbox);
    expect(state.threads[key]!.pending[0]).toMatchObject({ status: 'failed', error: '403 Forbidden: not friends' });
    state = run([chat.sendRetried({ key, clientMessageId: 'c-1' })], state);
    expect(state.threads[key]!.pending[0]).toMatchObject({ status: 'pending', error: null, clientMessageId: 'c-1' });
    // The event and the acknowledgement both confirm it; either order, one message.
    state = run([received(mine), chat.messagesReceived({ me, messages: [mine], live: false })], state);
    expect(state.threads[key]!.pending).toEqual([]);
    expect(Object.keys(state.threads[key]!.byId)).toEqual(['4']);
  });

  it('a discarded failed message is gone', () => {
    const state = run([chat.sendQueued({ key, message: pending }), chat.sendFailed({ key, clientMessageId: 'c-1', error: 'x' }),
      chat.sendDiscarded({ key, clientMessageId: 'c-1' })], withInbox);
    expect(state.threads[key]!.pending).toEqual([]);
  });
});
