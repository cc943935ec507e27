import { api } from '../../app/api';
import type { Friend, FriendRequest, UserProfile, UserSummary } from '../../app/types';

export const friendsApi = api.injectEndpoints({
  endpoints: (build) => ({
    listFriends: build.query<Friend[], void>({ query: () => 'friends', providesTags: ['Friends'] }),
    listFriendRequests: build.query<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }, void>({
      query: () => 'friends/requests', providesTags: ['Requests'],
    }),
    searchUsers: build.query<UserSummary[], string>({ query: (q) => `users?${new URLSearchParams({ query: q, limit: '20' })}`, providesTags: ['Users'] }),
    getUser: build.query<UserProfile, number>({ query: (id) => `users/${id}`, providesTags: ['Users'] }),
    sendFriendRequest: build.mutation<FriendRequest, number>({
      query: (toUserId) => ({ url: 'friends/request', method: 'POST', body: { toUserId } }), invalidatesTags: ['Requests', 'Friends', 'Users'],
    }),
    respondToFriendRequest: build.mutation<FriendRequest, { requestId: number; accept: boolean }>({
      query: (body) => ({ url: 'friends/response', method: 'POST', body }), invalidatesTags: ['Requests', 'Friends', 'Users'],
    }),
    cancelFriendRequest: build.mutation<void, number>({
      query: (id) => ({ url: `friends/requests/${id}`, method: 'DELETE' }), invalidatesTags: ['Requests', 'Users'],
    }),
    removeFriend: build.mutation<void, number>({ query: (userId) => ({ url: `friends/${userId}`, method: 'DELETE' }), invalidatesTags: ['Friends', 'Users'] }),
    listBlocks: build.query<UserSummary[], void>({ query: () => 'users/me/blocks', providesTags: ['Blocks'] }),
    block: build.mutation<void, { userId: number; block: boolean }>({
      query: ({ userId, block }) => ({ url: `users/${userId}/block`, method: block ? 'PUT' : 'DELETE' }),
      invalidatesTags: ['Blocks', 'Friends', 'Requests', 'Users', 'Invites'],
    }),
  }),
});

export const {
  useListFriendsQuery, useListFriendRequestsQuery, useSearchUsersQuery, useGetUserQuery, useSendFriendRequestMutation,
  useRespondToFriendRequestMutation, useCancelFriendRequestMutation, useRemoveFriendMutation, useListBlocksQuery, useBlockMutation,
} = friendsApi;
