import { api } from '../../app/api';
import type { MeProfile } from '../../app/types';
import { profileUpdated } from '../auth/authSlice';

export interface ProfileChanges {
  displayName?: string; bio?: string; notificationsEnabled?: boolean; visibility?: 'public' | 'friends'; currentPassword?: string; newPassword?: string;
}

export const profileApi = api.injectEndpoints({
  endpoints: (build) => ({
    getMe: build.query<MeProfile, void>({ query: () => 'users/me', providesTags: ['Me'] }),
    updateMe: build.mutation<MeProfile, ProfileChanges>({
      query: (body) => ({ url: 'users/me', method: 'PATCH', body }),
      invalidatesTags: ['Me'],
      onQueryStarted: async (_, { dispatch, queryFulfilled }) => {
        const { data } = await queryFulfilled;
        dispatch(profileUpdated(data));
      },
    }),
    deleteAvatar: build.mutation<void, void>({ query: () => ({ url: 'users/me/avatar', method: 'DELETE' }), invalidatesTags: ['Me'] }),
  }),
});

export const { useGetMeQuery, useUpdateMeMutation, useDeleteAvatarMutation } = profileApi;
