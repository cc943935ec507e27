import { createApi, fetchBaseQuery, type BaseQueryFn, type FetchArgs, type FetchBaseQueryError } from '@reduxjs/toolkit/query/react';
import { refreshSession } from './session';
import type { RootState } from './store';

const rawBaseQuery = fetchBaseQuery({
  baseUrl: '/',
  credentials: 'same-origin',
  prepareHeaders: (headers, { getState }) => {
    const token = (getState() as RootState).auth.accessToken;
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return headers;
  },
});

/** The one base query: adds the access token and, on a 401, refreshes once and tries again. */
export const baseQuery: BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError> = async (args, api, extra) => {
  const used = (api.getState() as RootState).auth.accessToken;
  let result = await rawBaseQuery(args, api, extra);
  if (result.error?.status === 401 && used) {
    const token = await refreshSession(used);
    if (token) result = await rawBaseQuery(args, api, extra);
  }
  return result;
};

export const api = createApi({
  reducerPath: 'api',
  baseQuery,
  tagTypes: ['Me', 'Friends', 'Requests', 'Blocks', 'MyRooms', 'PublicRooms', 'Room', 'Participants', 'Invites', 'Users'],
  endpoints: () => ({}),
});
