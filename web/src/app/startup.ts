import { api } from './api';
import { bindFiles } from './files';
import { bindSession, refreshSession } from './session';
import { networkChanged, startSocket, stopSocket } from './socket';
import { listener, type AppStore, type RootState } from './store';
import { signedOut, tokensReceived } from '../features/auth/authSlice';
import { chat } from '../features/conversations/chatSlice';
import { catchUp } from '../features/conversations/chatThunks';
import { friendsApi } from '../features/friends/friendsApi';
import { messageKey } from './types';

/** Wires the session, the socket and the browser's network events to the store, then restores the session from the refresh cookie. */
export function startSession(store: AppStore) {
  bindSession(store);
  bindFiles(store.getState);
  const onOnline = () => void store.dispatch(catchUp());

  listener.startListening({
    actionCreator: tokensReceived,
    effect: (_, { getOriginalState }) => {
      if ((getOriginalState() as RootState).auth.status !== 'signedIn') startSocket(store, onOnline);
    },
  });
  listener.startListening({
    actionCreator: signedOut,
    effect: () => {
      stopSocket(store);
      store.dispatch(chat.reset());
      store.dispatch(api.util.resetApiState());
    },
  });
  listener.startListening({
    matcher: friendsApi.endpoints.listFriends.matchFulfilled,
    effect: ({ payload }) => {
      store.dispatch(chat.presenceChanged(payload.map((f) => ({ userId: f.user.id, online: f.online }))));
    },
  });
  // A message from a conversation the inbox does not hold yet (a friend's first message): fetch the inbox.
  listener.startListening({
    actionCreator: chat.messagesReceived,
    effect: async ({ payload }, { getState, dispatch, cancelActiveListeners, delay }) => {
      const { conversations } = (getState() as RootState).chat;
      const missing = payload.messages.some((m) => !conversations[messageKey(m, payload.me)]);
      if (!missing) return;
      cancelActiveListeners();
      await delay(200);
      dispatch(friendsApi.util.invalidateTags(['Friends']));
      void store.dispatch(catchUp());
    },
  });

  window.addEventListener('offline', () => networkChanged(store, false, onOnline));
  window.addEventListener('online', () => networkChanged(store, true, onOnline));

  void refreshSession(null).then((token) => {
    if (!token && store.getState().auth.status === 'loading') store.dispatch(signedOut());
  });
}
