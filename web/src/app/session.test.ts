import { describe, expect, it } from 'vitest';
import { isFresh, refreshDelayMs, refreshLeadMs } from './session';

const issued = Date.parse('2026-12-01T10:00:00.000Z');
/** An access token as the server issues it, lasting `minutes` from `issued` (only its payload matters here). */
function token(minutes: number) {
  const payload = { sub: '1', iat: issued / 1000, exp: issued / 1000 + minutes * 60 };
  const base64url = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return { accessToken: `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}.signature`, expiresAt: new Date(issued + minutes * 60_000).toISOString() };
}

describe('when to refresh the access token', () => {
  it('a minute before expiry for the usual 15-minute token', () => {
    const t = token(15);
    expect(refreshLeadMs(t.accessToken)).toBe(60_000);
    expect(refreshDelayMs(t.accessToken, t.expiresAt, issued)).toBe(14 * 60_000);
  });

  it('half way through a token shorter than two minutes, not every few seconds', () => {
    const t = token(1);
    expect(refreshLeadMs(t.accessToken)).toBe(30_000);
    expect(refreshDelayMs(t.accessToken, t.expiresAt, issued)).toBe(30_000);
    // A tab that opens 10 s later with the same token refreshes at the same moment as the first.
    expect(refreshDelayMs(t.accessToken, t.expiresAt, issued + 10_000)).toBe(20_000);
  });

  it('never sooner than 5 s, even for a token that looks almost expired', () => {
    const t = token(1);
    expect(refreshDelayMs(t.accessToken, t.expiresAt, issued + 59_000)).toBe(5_000);
  });

  it("takes another tab's token while more than half the lead is left", () => {
    const short = token(1);
    expect(isFresh(short.accessToken, short.expiresAt, issued + 44_000)).toBe(true);
    expect(isFresh(short.accessToken, short.expiresAt, issued + 46_000)).toBe(false);
    const usual = token(15);
    expect(isFresh(usual.accessToken, usual.expiresAt, issued + 14 * 60_000 + 29_000)).toBe(true);
    expect(isFresh(usual.accessToken, usual.expiresAt, issued + 14 * 60_000 + 31_000)).toBe(false);
    expect(isFresh(null, null, issued)).toBe(false);
  });
});
