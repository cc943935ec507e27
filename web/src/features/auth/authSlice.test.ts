import { describe, expect, it } from 'vitest';
import type { MeProfile } from '../../app/types';
import { authSlice, signedOut, tokensReceived } from './authSlice';

const user: MeProfile = {
  id: 1, username: 'alice', email: 'alice@example.com', displayName: 'Alice', bio: '', avatarUrl: null, notificationsEnabled: true,
  visibility: 'public', createdAt: '2026-12-01T10:00:00.000Z',
};
const tokens = (accessToken: string, accessTokenExpiresAt: string) => tokensReceived({ accessToken, accessTokenExpiresAt, user });

describe('the session in memory', () => {
  it('keeps the token that lasts longest, whatever order tabs hand them over in', () => {
    const newer = tokens('b', '2026-12-01T10:30:00.000Z');
    const older = tokens('a', '2026-12-01T10:15:00.000Z');
    for (const order of [[older, newer], [newer, older], [newer, older, newer]]) {
      const state = order.reduce(authSlice.reducer, authSlice.getInitialState());
      expect(state).toMatchObject({ status: 'signedIn', accessToken: 'b', expiresAt: '2026-12-01T10:30:00.000Z' });
    }
  });

  it('signing out forgets the token and the user', () => {
    const state = [tokens('a', '2026-12-01T10:15:00.000Z'), signedOut()].reduce(authSlice.reducer, authSlice.getInitialState());
    expect(state).toEqual({ status: 'signedOut', accessToken: null, expiresAt: null, user: null });
  });
});
