import type { FetchBaseQueryError } from '@reduxjs/toolkit/query';
import type { SerializedError } from '@reduxjs/toolkit';
import type { Problem } from './types';

/** The problem+json of a failed call, whatever carried it (RTK Query, fetch, an upload). */
export function problemOf(error: unknown): Problem | null {
  if (!error) return null;
  const e = error as Partial<FetchBaseQueryError> & Partial<SerializedError> & { problem?: Problem };
  if (e.problem) return e.problem;
  if (typeof e.status === 'number') return (e as { data?: Problem }).data ?? { status: e.status, title: `HTTP ${e.status}` };
  if (e.status === 'FETCH_ERROR') return { title: 'No connection', detail: 'The server could not be reached. Check your connection and try again.' };
  return { title: 'Something went wrong', detail: e.message ?? (e as { error?: string }).error };
}

/** The sentence to show: the problem's detail, else its title. */
export function problemText(error: unknown): string | null {
  const p = problemOf(error);
  if (!p) return null;
  if (p.status === 429) return 'Too many attempts; please wait a moment and try again.';
  return p.detail || p.title || 'Something went wrong';
}

/** Field errors, keyed by field name in lower camel case. */
export function fieldErrors(error: unknown): Record<string, string> {
  const errors = problemOf(error)?.errors ?? {};
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v.join(' ')]));
}
