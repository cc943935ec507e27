import { NavLink } from 'react-router';
import { useAppSelector } from '../../app/hooks';
import { conversationKey, type Conversation } from '../../app/types';
import { Avatar } from '../../components/Avatar';
import { selectInbox } from './selectors';

export const conversationHref = (c: Pick<Conversation, 'roomId' | 'user'>) => (c.roomId != null ? `/c/r/${c.roomId}` : `/c/u/${c.user!.id}`);

export function Inbox() {
  const inbox = useAppSelector(selectInbox);
  const me = useAppSelector((s) => s.auth.user!.id);
  const presence = useAppSelector((s) => s.chat.presence);
  if (!inbox.length) {
    return <p className="empty">No conversations yet. Add a friend or join a room to start chatting.</p>;
  }
  return (
    <ul className="inbox" aria-label="Conversations">
      {inbox.map((c) => (
        <li key={conversationKey(c)}>
          <NavLink to={conversationHref(c)} className={({ isActive }) => `inbox-item${isActive ? ' active' : ''}${c.unreadCount ? ' unread' : ''}`}
            aria-label={`${c.name}${c.unreadCount ? `, ${c.unreadCount} unread` : ''}`}>
            {c.roomId != null
              ? <span className="avatar room" aria-hidden="true">#</span>
              : <Avatar name={c.name} url={c.user?.avatarUrl} online={presence[c.user!.id] ?? false} />}
            <span className="inbox-text">
              <span className="inbox-top">
                <span className="inbox-name">{c.name}</span>
                <time className="inbox-time" dateTime={c.lastActivityAt}>{shortTime(c.lastActivityAt)}</time>
              </span>
              <span className="inbox-bottom">
                <span className="inbox-last">{preview(c, me)}</span>
                {c.unreadCount > 0 && <span className="badge" data-testid="unread-badge">{c.unreadCount > 99 ? '99+' : c.unreadCount}</span>}
              </span>
            </span>
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

function preview(c: Conversation, me: number) {
  const m = c.lastMessage;
  if (!m) return c.roomId != null ? 'No messages yet' : '';
  const who = m.senderId === me ? 'You: ' : '';
  if (m.deletedAt) return `${who}Message deleted`;
  if (!m.body && m.attachments.length) return `${who}📎 ${m.attachments[0].fileName}`;
  return who + m.body;
}

export function shortTime(iso: string) {
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return d.toLocaleDateString([], { weekday: 'short' });
  return d.toLocaleDateString([], { day: 'numeric', month: 'short' });
}
