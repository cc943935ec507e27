import type { AuthResponse, Problem } from './types';
import { signedOut, tokensReceived, type SessionTokens } from '../features/auth/authSlice';
import type { AppDispatch, RootState } from './store';

// The access token lives in memory only; the refresh token is the HttpOnly cookie the server sets
// on /auth. A refresh token is single use and the server revokes the whole session when one comes
// back, so two tabs must never refresh with the same cookie: refreshes are serialised across tabs
// with a Web Lock, and the tab that refreshed hands the new access token to the others over a
// BroadcastChannel, so a tab that waited for the lock usually finds a fresh token and skips its own.

type SessionMessage = { type: 'tokens'; tokens: SessionTokens } | { type: 'signedOut' };

interface StoreLike { dispatch: AppDispatch; getState: () => RootState }

let store: StoreLike | null = null;
let channel: BroadcastChannel | null = null;
let inFlight: Promise<string | null> | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

const refreshLock = 'messenger-refresh';

/** The lifetime the server gave an access token (its `exp` less its `iat`), in ms. */
function lifetimeMs(accessToken: string): number {
  const payload = accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const { iat, exp } = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '='))) as { iat: number; exp: number };
  return (exp - iat) * 1000;
}

/**
 * How long before expiry to refresh: a minute, or half the token's lifetime when that is shorter, so
 * a 1-minute token (Jwt:AccessTokenMinutes = 1) is refreshed after 30 s, not every few seconds.
 */
export const refreshLeadMs = (accessToken: string) => Math.min(60_000, lifetimeMs(accessToken) / 2);

/** Milliseconds from `now` until this token should be refreshed (at least 5 s, so a clock far off cannot make a loop). */
export const refreshDelayMs = (accessToken: string, expiresAt: string, now: number) =>
  Math.max(5_000, Date.parse(expiresAt) - now - refreshLeadMs(accessToken));

/** Good enough to use rather than refresh: more than half the refresh lead left (a tab that waited for the lock takes another's token). */
export const isFresh = (accessToken: string | null, expiresAt: string | null, now: number) =>
  accessToken != null && expiresAt != null && Date.parse(expiresAt) - now > refreshLeadMs(accessToken) / 2;

export class ApiError extends Error {
  constructor(public status: number, public problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export function bindSession(s: StoreLike) {
  store = s;
  if (typeof BroadcastChannel === 'undefined') return;
  channel = new BroadcastChannel('messenger-session');
  channel.onmessage = (e: MessageEvent<SessionMessage>) => {
    if (e.data.type === 'tokens') accept(e.data.tokens, false);
    else {
      clearTimeout(refreshTimer);
      s.dispatch(signedOut());
    }
  };
}

function accept(tokens: SessionTokens, broadcast: boolean) {
  store!.dispatch(tokensReceived(tokens));
  if (broadcast) channel?.postMessage({ type: 'tokens', tokens } satisfies SessionMessage);
  schedule();
}

function schedule() {
  clearTimeout(refreshTimer);
  const { accessToken, expiresAt } = store!.getState().auth;
  if (!accessToken || !expiresAt) return;
  refreshTimer = setTimeout(() => void refreshSession(accessToken), refreshDelayMs(accessToken, expiresAt, Date.now()));
}

/**
 * Gets a new access token unless someone already replaced `stale` (the token the caller found wanting;
 * null at start-up). Resolves to the current token, or null when the session is over.
 */
export function refreshSession(stale: string | null): Promise<string | null> {
  inFlight ??= withLock(async () => {
    const { accessToken, expiresAt } = store!.getState().auth;
    if (accessToken !== stale && isFresh(accessToken, expiresAt, Date.now())) return accessToken;
    let response: Response;
    try {
      response = await fetch('/auth/refresh', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    } catch {
      // Offline: keep what we have and try again later; the session is not over.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void refreshSession(store!.getState().auth.accessToken), 10_000);
      return store!.getState().auth.accessToken;
    }
    if (response.status === 401) {
      store!.dispatch(signedOut());
      return null;
    }
    if (!response.ok) return store!.getState().auth.accessToken;
    accept(toTokens(await response.json()), true);
    return store!.getState().auth.accessToken;
  }).finally(() => { inFlight = null; });
  return inFlight;
}

function withLock<T>(run: () => Promise<T>): Promise<T> {
  return typeof navigator !== 'undefined' && navigator.locks ? (navigator.locks.request(refreshLock, run) as Promise<T>) : run();
}

const toTokens = (a: AuthResponse): SessionTokens => ({ accessToken: a.accessToken, accessTokenExpiresAt: a.accessTokenExpiresAt, user: a.user });

async function authCall(path: string, body: unknown): Promise<void> {
  const response = await fetch(path, {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  accept(toTokens(await response.json()), true);
}

export const signIn = (login: string, password: string) => withLock(() => authCall('/auth/login', { login, password }));

export const register = (body: { username: string; email: string; password: string; displayName?: string }) =>
  withLock(() => authCall('/auth/register', body));

export async function signOut() {
  clearTimeout(refreshTimer);
  await withLock(() => fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: '{}' }))
    .catch(() => undefined);
  store!.dispatch(signedOut());
  channel?.postMessage({ type: 'signedOut' } satisfies SessionMessage);
}

export async function readProblem(response: Response): Promise<Problem> {
  try {
    return (await response.json()) as Problem;
  } catch {
    return { status: response.status, title: response.statusText || `HTTP ${response.status}` };
  }
}
