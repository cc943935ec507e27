import { createSelector } from '@reduxjs/toolkit';
import type { RootState } from '../../app/store';
import type { Conversation, ConversationKey, Message } from '../../app/types';
import { isPartial, type PendingMessage } from './chatSlice';

const emptyMessages: Message[] = [];
const emptyPending: PendingMessage[] = [];

export const selectInbox = createSelector([(s: RootState) => s.chat.conversations], (conversations) =>
  (Object.values(conversations) as Conversation[]).sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt)));

export const selectUnreadTotal = createSelector([selectInbox], (inbox) => inbox.reduce((n, c) => n + c.unreadCount, 0));

export const selectThreadMessages = (key: ConversationKey) => createSelector([(s: RootState) => s.chat.threads[key]?.byId], (byId) =>
  byId ? Object.values(byId).filter((m) => !isPartial(m)).sort((a, b) => a.id - b.id) : emptyMessages);

export const selectPending = (key: ConversationKey) => (s: RootState) => s.chat.threads[key]?.pending ?? emptyPending;
