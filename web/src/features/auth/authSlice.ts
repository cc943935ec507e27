import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { MeProfile } from '../../app/types';

export interface SessionTokens { accessToken: string; accessTokenExpiresAt: string; user: MeProfile }

interface AuthState {
  status: 'loading' | 'signedOut' | 'signedIn';
  accessToken: string | null;
  expiresAt: string | null;
  user: MeProfile | null;
}

const initialState: AuthState = { status: 'loading', accessToken: null, expiresAt: null, user: null };

export const authSlice = createSlice({
  name: 'auth',
  initialState,
  reducers: {
    /** New tokens, from this tab's sign-in or refresh or from another tab. A token that expires sooner than ours is older: ignored. */
    tokensReceived(state, { payload }: PayloadAction<SessionTokens>) {
      if (state.accessToken && state.expiresAt && state.expiresAt > payload.accessTokenExpiresAt) return;
      state.status = 'signedIn';
      state.accessToken = payload.accessToken;
      state.expiresAt = payload.accessTokenExpiresAt;
      if (!state.user || state.user.id !== payload.user.id) state.user = payload.user;
    },
    profileUpdated(state, { payload }: PayloadAction<MeProfile>) {
      if (state.user && state.user.id === payload.id) state.user = payload;
    },
    signedOut() {
      return { ...initialState, status: 'signedOut' as const };
    },
  },
});

export const { tokensReceived, profileUpdated, signedOut } = authSlice.actions;
