import { NavLink, Outlet, useLocation } from 'react-router';
import { useAppSelector } from './hooks';
import { Avatar } from '../components/Avatar';
import { Inbox } from '../features/conversations/Inbox';
import { selectUnreadTotal } from '../features/conversations/selectors';
import { useListFriendRequestsQuery } from '../features/friends/friendsApi';
import { useListInvitesQuery } from '../features/rooms/roomsApi';

export function Shell() {
  const me = useAppSelector((s) => s.auth.user!);
  const connection = useAppSelector((s) => s.chat.connection);
  const unread = useAppSelector(selectUnreadTotal);
  const requests = useListFriendRequestsQuery();
  const invites = useListInvitesQuery();
  const onHome = useLocation().pathname === '/';
  const incoming = requests.data?.incoming.length ?? 0;
  const pendingInvites = invites.data?.length ?? 0;
  const nav = ({ isActive }: { isActive: boolean }) => `nav-item${isActive ? ' active' : ''}`;

  return (
    <div className={`shell${onHome ? ' home' : ' detail'}`}>
      {connection === 'offline' && (
        <div className="banner" role="status" data-testid="offline-banner">You are offline. Messages will be sent when the connection is back.</div>
      )}
      <aside className="sidebar" aria-label="Sidebar">
        <header className="sidebar-header">
          <NavLink to="/profile" className="me" aria-label="Your profile">
            <Avatar name={me.displayName} url={me.avatarUrl} size={36} />
            <span className="me-name">{me.displayName}</span>
          </NavLink>
        </header>
        <nav className="nav" aria-label="Main">
          <NavLink to="/" end className={nav}>Chats{unread > 0 && <span className="badge">{unread}</span>}</NavLink>
          <NavLink to="/friends" className={nav}>Friends{incoming > 0 && <span className="badge" data-testid="requests-badge">{incoming}</span>}</NavLink>
          <NavLink to="/rooms" className={nav}>Rooms{pendingInvites > 0 && <span className="badge" data-testid="invites-badge">{pendingInvites}</span>}</NavLink>
          <NavLink to="/search" className={nav}>Search</NavLink>
        </nav>
        <Inbox />
      </aside>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}

export function Welcome() {
  return (
    <div className="welcome">
      <img src="/app/favicon.svg" alt="" width={56} height={56} />
      <h2>Pick a conversation</h2>
      <p className="muted">Choose one on the left, find friends, or join a room.</p>
    </div>
  );
}
