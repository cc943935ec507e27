import { useState } from 'react';
import { useAppSelector } from '../../app/hooks';
import { problemText } from '../../app/problems';
import type { Room } from '../../app/types';
import { Avatar } from '../../components/Avatar';
import { ErrorText } from '../../components/Field';
import { useListFriendsQuery } from '../friends/friendsApi';
import { useInviteToRoomMutation, useLeaveRoomMutation, useListParticipantsQuery } from './roomsApi';

export function RoomPanel({ room, onClose, onLeft }: { room: Room; onClose: () => void; onLeft: () => void }) {
  const participants = useListParticipantsQuery(room.id);
  const friends = useListFriendsQuery();
  const presence = useAppSelector((s) => s.chat.presence);
  const [invite, inviteState] = useInviteToRoomMutation();
  const [leave, leaveState] = useLeaveRoomMutation();
  const [invitee, setInvitee] = useState('');
  const [invited, setInvited] = useState<string | null>(null);
  const inRoom = new Set((participants.data ?? []).map((p) => p.user.id));
  const candidates = (friends.data ?? []).filter((f) => !inRoom.has(f.user.id));

  return (
    <aside className="room-panel" aria-label="Room members">
      <header><h3>{room.name}</h3><button type="button" className="icon" aria-label="Close members" onClick={onClose}>✕</button></header>
      {room.description && <p className="muted">{room.description}</p>}
      {room.myRole && (
        <form className="invite-form" onSubmit={async (e) => {
          e.preventDefault();
          const friend = candidates.find((f) => String(f.user.id) === invitee);
          if (!friend) return;
          setInvited(null);
          const r = await invite({ roomId: room.id, userId: friend.user.id });
          if ('data' in r) { setInvited(`Invited ${friend.user.displayName}.`); setInvitee(''); }
        }}>
          <label htmlFor="invitee">Invite a friend</label>
          <div className="row">
            <select id="invitee" value={invitee} onChange={(e) => setInvitee(e.target.value)}>
              <option value="">Choose…</option>
              {candidates.map((f) => <option key={f.user.id} value={f.user.id}>{f.user.displayName} (@{f.user.username})</option>)}
            </select>
            <button className="primary" disabled={!invitee || inviteState.isLoading}>Invite</button>
          </div>
          <ErrorText text={problemText(inviteState.error)} />
          {invited && <div className="ok" role="status">{invited}</div>}
        </form>
      )}
      <h4>{participants.data?.length ?? '…'} members</h4>
      <ul className="people">
        {(participants.data ?? []).map((p) => (
          <li key={p.user.id}>
            <Avatar name={p.user.displayName} url={p.user.avatarUrl} size={32} online={presence[p.user.id]} />
            <span className="person-name">{p.user.displayName}<span className="muted"> @{p.user.username}</span></span>
            {p.role === 'owner' && <span className="tag">owner</span>}
          </li>
        ))}
      </ul>
      {room.myRole && (
        <>
          <button type="button" className="danger" disabled={leaveState.isLoading}
            onClick={async () => { if (window.confirm(`Leave ${room.name}?`) && 'data' in (await leave(room.id))) onLeft(); }}>Leave room</button>
          <ErrorText text={problemText(leaveState.error)} />
        </>
      )}
    </aside>
  );
}
