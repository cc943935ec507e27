import { api } from '../../app/api';
import type { Conversation, ConversationKey, Message, MessagePage, SearchPage } from '../../app/types';

export const conversationPath = (key: ConversationKey) => (key.startsWith('r:') ? `rooms/${key.slice(2)}` : `friends/${key.slice(2)}`);

export interface PageArgs { key: ConversationKey; before?: number; after?: number; since?: number; limit?: number }

export const conversationsApi = api.injectEndpoints({
  endpoints: (build) => ({
    listConversations: build.query<Conversation[], void>({ query: () => 'conversations?limit=100', keepUnusedDataFor: 0 }),
    getMessages: build.query<MessagePage, PageArgs>({
      query: ({ key, limit = 50, ...cursor }) => {
        const params = new URLSearchParams({ limit: String(limit) });
        for (const [name, value] of Object.entries(cursor)) if (value != null) params.set(name, String(value));
        return `${conversationPath(key)}/messages?${params}`;
      },
      keepUnusedDataFor: 0,
    }),
    markRead: build.mutation<void, { key: ConversationKey; messageId: number }>({
      query: ({ key, messageId }) => ({ url: `${conversationPath(key)}/read`, method: 'POST', body: { messageId } }),
    }),
    editMessage: build.mutation<Message, { messageId: number; body: string }>({
      query: ({ messageId, body }) => ({ url: `messages/${messageId}`, method: 'PATCH', body: { body } }),
    }),
    deleteMessage: build.mutation<void, number>({ query: (messageId) => ({ url: `messages/${messageId}`, method: 'DELETE' }) }),
    react: build.mutation<Message, { messageId: number; emoji: string; add: boolean }>({
      query: ({ messageId, emoji, add }) => ({ url: `messages/${messageId}/reactions/${encodeURIComponent(emoji)}`, method: add ? 'PUT' : 'DELETE' }),
    }),
    searchMessages: build.query<SearchPage, { query: string; before?: number }>({
      query: ({ query, before }) => `messages/search?${new URLSearchParams({ query, limit: '30', ...(before ? { before: String(before) } : {}) })}`,
    }),
  }),
});

export const { useEditMessageMutation, useDeleteMessageMutation, useReactMutation, useLazySearchMessagesQuery } = conversationsApi;
