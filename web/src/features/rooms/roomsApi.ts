import { api } from '../../app/api';
import type { Invite, Participant, Room } from '../../app/types';

export const roomsApi = api.injectEndpoints({
  endpoints: (build) => ({
    listMyRooms: build.query<Room[], void>({ query: () => 'rooms/mine', providesTags: ['MyRooms'] }),
    listPublicRooms: build.query<Room[], string>({ query: (q) => `rooms?${new URLSearchParams({ query: q, limit: '50' })}`, providesTags: ['PublicRooms'] }),
    getRoom: build.query<Room, number>({ query: (id) => `rooms/${id}`, providesTags: ['Room'] }),
    listParticipants: build.query<Participant[], number>({ query: (id) => `rooms/${id}/participants`, providesTags: ['Participants'] }),
    createRoom: build.mutation<Room, { name: string; description: string; isPrivate: boolean }>({
      query: (body) => ({ url: 'rooms', method: 'POST', body }), invalidatesTags: ['MyRooms', 'PublicRooms'],
    }),
    joinRoom: build.mutation<Room, number>({
      query: (id) => ({ url: `rooms/${id}/join`, method: 'POST' }), invalidatesTags: ['MyRooms', 'PublicRooms', 'Room', 'Participants'],
    }),
    leaveRoom: build.mutation<void, number>({
      query: (id) => ({ url: `rooms/${id}/leave`, method: 'POST' }), invalidatesTags: ['MyRooms', 'PublicRooms', 'Room', 'Participants'],
    }),
    inviteToRoom: build.mutation<Invite, { roomId: number; userId: number }>({
      query: ({ roomId, userId }) => ({ url: `rooms/${roomId}/invite`, method: 'POST', body: { userId } }),
    }),
    listInvites: build.query<Invite[], void>({ query: () => 'invites', providesTags: ['Invites'] }),
    respondToInvite: build.mutation<Invite, { inviteId: number; accept: boolean }>({
      query: ({ inviteId, accept }) => ({ url: `invites/${inviteId}`, method: 'POST', body: { accept } }),
      invalidatesTags: ['Invites', 'MyRooms', 'Participants'],
    }),
  }),
});

export const {
  useListMyRoomsQuery, useListPublicRoomsQuery, useGetRoomQuery, useListParticipantsQuery, useCreateRoomMutation, useJoinRoomMutation,
  useLeaveRoomMutation, useInviteToRoomMutation, useListInvitesQuery, useRespondToInviteMutation,
} = roomsApi;
