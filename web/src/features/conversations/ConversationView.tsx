import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { roomKey, userKey, type ConversationKey, type Message } from '../../app/types';
import { Avatar } from '../../components/Avatar';
import { useListBlocksQuery, useListFriendsQuery, useSendFriendRequestMutation } from '../friends/friendsApi';
import { useGetRoomQuery, useJoinRoomMutation, useListParticipantsQuery } from '../rooms/roomsApi';
import { RoomPanel } from '../rooms/RoomPanel';
import { problemText } from '../../app/problems';
import { chat } from './chatSlice';
import { loadOlder, markRead, openThread, retrySend, sendMessage, typing, typingDone } from './chatThunks';
import { Composer } from './Composer';
import { MessageItem, type Sender } from './MessageItem';
import { selectPending, selectThreadMessages } from './selectors';

export function ConversationView() {
  const { kind, id } = useParams();
  const key: ConversationKey = kind === 'r' ? roomKey(Number(id)) : userKey(Number(id));
  return <Conversation key={key} conversationKey={key} />;
}

function Conversation({ conversationKey: key }: { conversationKey: ConversationKey }) {
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const jumpTo = Number(search.get('m')) || undefined;
  const isRoom = key.startsWith('r:');
  const targetId = Number(key.slice(2));
  const me = useAppSelector((s) => s.auth.user!);
  const conversation = useAppSelector((s) => s.chat.conversations[key]);
  const thread = useAppSelector((s) => s.chat.threads[key]);
  const messages = useAppSelector(useMemo(() => selectThreadMessages(key), [key]));
  const pending = useAppSelector(useMemo(() => selectPending(key), [key]));
  const typingMap = useAppSelector((s) => s.chat.typing[key]);
  const presence = useAppSelector((s) => (isRoom ? undefined : s.chat.presence[targetId]));
  const connection = useAppSelector((s) => s.chat.connection);
  const friends = useListFriendsQuery();
  const blocks = useListBlocksQuery();
  const room = useGetRoomQuery(targetId, { skip: !isRoom });
  const participants = useListParticipantsQuery(targetId, { skip: !isRoom });
  const [join, joinState] = useJoinRoomMutation();
  const [askFriend, askState] = useSendFriendRequestMutation();
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [panel, setPanel] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  const friend = friends.data?.find((f) => f.user.id === targetId)?.user;
  // Presence comes only from friends: once a friendship ends (a removal, a block) the last one known is stale.
  const online = friend ? presence : undefined;
  const name = conversation?.name ?? (isRoom ? room.data?.name : friend?.displayName) ?? '…';
  const people = useMemo(() => {
    const map = new Map<number, Sender>([[me.id, { name: me.displayName, avatarUrl: me.avatarUrl }]]);
    for (const f of friends.data ?? []) map.set(f.user.id, { name: f.user.displayName, avatarUrl: f.user.avatarUrl });
    for (const p of participants.data ?? []) map.set(p.user.id, { name: p.user.displayName, avatarUrl: p.user.avatarUrl });
    if (conversation?.user) map.set(conversation.user.id, { name: conversation.user.displayName, avatarUrl: conversation.user.avatarUrl });
    return map;
  }, [me, friends.data, participants.data, conversation?.user]);
  const senderOf = useCallback((id: number): Sender => people.get(id) ?? { name: `User ${id}`, avatarUrl: null }, [people]);
  const blocked = useMemo(() => new Set((blocks.data ?? []).map((u) => u.id)), [blocks.data]);

  useEffect(() => {
    setLoadError(null);
    dispatch(openThread(key, jumpTo)).catch((e) => setLoadError(problemText(e)));
  }, [dispatch, key, jumpTo]);

  // Scrolling: stick to the bottom while the reader is there, keep the place when older pages arrive above.
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBefore = useRef<number | null>(null);
  // The message last scrolled to, so a second search result in the same conversation scrolls too.
  const jumped = useRef<number | undefined>(undefined);
  const firstId = messages[0]?.id;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (heightBefore.current != null) {
      el.scrollTop += el.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    } else if (jumpTo && jumped.current !== jumpTo) {
      const target = el.querySelector(`[data-message-id="${jumpTo}"]`);
      if (target) {
        jumped.current = jumpTo;
        target.scrollIntoView({ block: 'center' });
        atBottom.current = false;
      }
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [messages, pending, firstId, jumpTo]);

  const onScroll = () => {
    const el = scroller.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 120 && thread?.hasMoreBefore && thread.loaded && heightBefore.current == null) {
      heightBefore.current = el.scrollHeight;
      void dispatch(loadOlder(key)).then(() => { if (heightBefore.current === el.scrollHeight) heightBefore.current = null; });
    }
    readIfVisible();
  };

  // The read marker follows what is on screen: the newest message, while the tab is visible and the reader at the bottom.
  const latestId = messages[messages.length - 1]?.id;
  const readIfVisible = useCallback(() => {
    if (latestId && document.visibilityState === 'visible' && atBottom.current) dispatch(markRead(key, latestId));
  }, [dispatch, key, latestId]);
  useEffect(() => {
    readIfVisible();
    document.addEventListener('visibilitychange', readIfVisible);
    window.addEventListener('focus', readIfVisible);
    return () => {
      document.removeEventListener('visibilitychange', readIfVisible);
      window.removeEventListener('focus', readIfVisible);
    };
  }, [readIfVisible, conversation?.lastReadMessageId]);

  const typers = Object.entries(typingMap ?? {}).filter(([, until]) => until > now).map(([uid]) => senderOf(Number(uid)).name);
  useEffect(() => {
    if (!typingMap || !Object.keys(typingMap).length) return;
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, [typingMap]);

  const myLastId = [...messages].reverse().find((m) => m.senderId === me.id && !m.deletedAt)?.id;
  const seenUpTo = conversation?.otherLastReadMessageId ?? 0;
  const canSend = !isRoom ? !!friend || !friends.data : room.data?.myRole != null;
  const isOwner = room.data?.myRole === 'owner';
  const status = typers.length
    ? `${typers.join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…`
    : isRoom ? `${room.data?.participantCount ?? '…'} members${room.data?.isPrivate ? ' · private' : ''}`
    : !friend ? '' : online ? 'online' : 'offline';

  return (
    <section className="conversation" aria-label={`Conversation with ${name}`}>
      <header className="conversation-header">
        <button type="button" className="icon back" aria-label="Back to conversations" onClick={() => navigate('/')}>←</button>
        {isRoom ? <span className="avatar room" aria-hidden="true">#</span> : <Avatar name={name} url={conversation?.user?.avatarUrl ?? friend?.avatarUrl} online={online ?? false} />}
        <div className="conversation-title">
          <h2>{name}</h2>
          <div className={`conversation-status${typers.length ? ' typing' : ''}`} data-testid="conversation-status" aria-live="polite">{status}</div>
        </div>
        {isRoom && <button type="button" onClick={() => setPanel(!panel)} aria-expanded={panel}>Members</button>}
      </header>
      <div className="conversation-body">
        <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
          {thread?.loaded && !thread.hasMoreBefore && <div className="thread-start">This is the beginning of your conversation with {name}.</div>}
          {thread?.hasMoreBefore && thread.loaded && <div className="loading-older" aria-hidden="true">Loading older messages…</div>}
          {loadError && <div className="error" role="alert">{loadError}</div>}
          <ol className="message-list" aria-label="Messages">
            {messages.map((m, i) => {
              const prev = messages[i - 1];
              const newDay = !prev || dayOf(prev.createdAt) !== dayOf(m.createdAt);
              const showSender = newDay || prev.senderId !== m.senderId || Date.parse(m.createdAt) - Date.parse(prev.createdAt) > 5 * 60_000;
              return [
                newDay && <li key={`d${m.id}`} className="day" role="separator"><span>{dayLabel(m.createdAt)}</span></li>,
                blocked.has(m.senderId) && isRoom
                  ? <li key={m.id} className="message hidden-message muted">Message from someone you blocked</li>
                  : <MessageItem key={m.id} message={m} me={me.id} sender={senderOf(m.senderId)} showSender={showSender}
                      canDelete={m.senderId === me.id || (isRoom && isOwner)} highlighted={m.id === jumpTo}
                      status={!isRoom && m.id === myLastId ? (seenUpTo >= m.id ? 'seen' : 'sent') : undefined}
                      replyAuthor={(id) => senderOf(id).name} onReply={setReplyTo}
                      onEdited={(edited) => dispatch(chat.messagesReceived({ me: me.id, messages: [edited], live: false }))} />,
              ];
            })}
            {pending.map((p) => (
              <li key={p.clientMessageId} className={`message mine pending ${p.status}`} data-testid="pending-message">
                <div className="message-main">
                  <div className="bubble-row">
                    <div className="bubble">
                      {p.body && <div className="body">{p.body}</div>}
                      {p.attachments.map((a) => <div key={a.id} className="attachment-file">📎 {a.fileName}</div>)}
                      <div className="meta">
                        {p.status === 'pending' ? <span className="status">{connection === 'online' ? 'Sending…' : 'Waiting for connection…'}</span> : (
                          <span className="status failed-text" role="alert">Not sent: {p.error}
                            {' '}<button type="button" className="link" onClick={() => dispatch(retrySend(key, p.clientMessageId))}>Retry</button>
                            {' '}<button type="button" className="link" onClick={() => dispatch(chat.sendDiscarded({ key, clientMessageId: p.clientMessageId }))}>Discard</button>
                          </span>
                        )}
                      </div>
                    </div>
                  </div>
                </div>
              </li>
            ))}
          </ol>
        </div>
        {panel && isRoom && room.data && <RoomPanel room={room.data} onClose={() => setPanel(false)} onLeft={() => navigate('/')} />}
      </div>
      {canSend ? (
        <Composer replyTo={replyTo} replyAuthor={replyTo ? senderOf(replyTo.senderId).name : ''} onCancelReply={() => setReplyTo(null)}
          onSend={(body, attachments) => {
            dispatch(sendMessage(key, body, attachments, replyTo?.id ?? null));
            setReplyTo(null);
            atBottom.current = true;
          }}
          onTyping={() => typing(key)} onTypingDone={() => typingDone(key)} />
      ) : isRoom && room.data && !room.data.isPrivate ? (
        <div className="composer join-bar">
          <span>You are reading {room.data.name}.</span>
          <button type="button" className="primary" disabled={joinState.isLoading} onClick={() => void join(targetId)}>Join room</button>
          {joinState.error ? <span className="error">{problemText(joinState.error)}</span> : null}
        </div>
      ) : !isRoom && friends.data ? (
        <div className="composer join-bar">
          <span>You can message {name} again once you are friends.</span>
          {askState.isSuccess ? <span role="status">Friend request sent.</span>
            : <button type="button" className="primary" disabled={askState.isLoading} onClick={() => void askFriend(targetId)}>Add friend</button>}
          {askState.error ? <span className="error" role="alert">{problemText(askState.error)}</span> : null}
        </div>
      ) : null}
    </section>
  );
}

const dayOf = (iso: string) => new Date(iso).toDateString();

function dayLabel(iso: string) {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86_400_000);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: d.getFullYear() === today.getFullYear() ? undefined : 'numeric' });
}
