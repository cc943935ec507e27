import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useAppSelector } from '../../app/hooks';
import { problemText } from '../../app/problems';
import type { UserSummary } from '../../app/types';
import { Avatar } from '../../components/Avatar';
import { ErrorText } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import {
  useBlockMutation, useCancelFriendRequestMutation, useListBlocksQuery, useListFriendRequestsQuery, useListFriendsQuery, useRemoveFriendMutation,
  useRespondToFriendRequestMutation, useSearchUsersQuery, useSendFriendRequestMutation,
} from './friendsApi';

function Person({ user, online, children }: { user: UserSummary; online?: boolean; children?: React.ReactNode }) {
  return (
    <li className="person" data-testid={`person-${user.username}`}>
      <Avatar name={user.displayName} url={user.avatarUrl} size={36} online={online} />
      <span className="person-name">{user.displayName}<span className="muted"> @{user.username}</span></span>
      <span className="person-actions">{children}</span>
    </li>
  );
}

export function FriendsPage() {
  const me = useAppSelector((s) => s.auth.user!.id);
  const presence = useAppSelector((s) => s.chat.presence);
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => { const t = setTimeout(() => setDebounced(query.trim()), 250); return () => clearTimeout(t); }, [query]);
  const results = useSearchUsersQuery(debounced, { skip: !debounced });
  const friends = useListFriendsQuery();
  const requests = useListFriendRequestsQuery();
  const blocks = useListBlocksQuery();
  const [sendRequest, sendState] = useSendFriendRequestMutation();
  const [respond, respondState] = useRespondToFriendRequestMutation();
  const [cancel, cancelState] = useCancelFriendRequestMutation();
  const [remove, removeState] = useRemoveFriendMutation();
  const [block, blockState] = useBlockMutation();
  const error = problemText(sendState.error ?? respondState.error ?? cancelState.error ?? removeState.error ?? blockState.error);

  const friendIds = new Set((friends.data ?? []).map((f) => f.user.id));
  const outgoing = new Map((requests.data?.outgoing ?? []).map((r) => [r.to.id, r]));
  const incoming = new Map((requests.data?.incoming ?? []).map((r) => [r.from.id, r]));

  return (
    <section className="page" aria-labelledby="friends-title">
      <PageHeader id="friends-title" title="Friends" />
      <div className="page-body">
        <div className="card">
          <label htmlFor="user-search" className="card-title">Find people</label>
          <input id="user-search" type="search" placeholder="Search by username or name" value={query} onChange={(e) => setQuery(e.target.value)} />
          {debounced && (
            <ul className="people" aria-label="Search results">
              {results.data?.filter((u) => u.id !== me).map((u) => (
                <Person key={u.id} user={u}>
                  {friendIds.has(u.id) ? <span className="tag">friends</span>
                    : outgoing.has(u.id) ? <span className="tag">requested</span>
                    : incoming.has(u.id) ? <button type="button" className="primary" onClick={() => void respond({ requestId: incoming.get(u.id)!.id, accept: true })}>Accept</button>
                    : <button type="button" className="primary" onClick={() => void sendRequest(u.id)}>Add friend</button>}
                </Person>
              ))}
              {results.data && results.data.filter((u) => u.id !== me).length === 0 && <li className="muted">Nobody found.</li>}
            </ul>
          )}
          <ErrorText text={error} />
        </div>

        {(requests.data?.incoming.length ?? 0) > 0 && (
          <div className="card">
            <h3 className="card-title">Requests for you</h3>
            <ul className="people" aria-label="Incoming requests">
              {requests.data!.incoming.map((r) => (
                <Person key={r.id} user={r.from}>
                  <button type="button" className="primary" onClick={() => void respond({ requestId: r.id, accept: true })}>Accept</button>
                  <button type="button" onClick={() => void respond({ requestId: r.id, accept: false })}>Reject</button>
                </Person>
              ))}
            </ul>
          </div>
        )}

        {(requests.data?.outgoing.length ?? 0) > 0 && (
          <div className="card">
            <h3 className="card-title">Sent requests</h3>
            <ul className="people" aria-label="Outgoing requests">
              {requests.data!.outgoing.map((r) => (
                <Person key={r.id} user={r.to}><button type="button" onClick={() => void cancel(r.id)}>Cancel</button></Person>
              ))}
            </ul>
          </div>
        )}

        <div className="card">
          <h3 className="card-title">Your friends {friends.data ? `(${friends.data.length})` : ''}</h3>
          <ul className="people" aria-label="Friends">
            {friends.data?.map((f) => (
              <Person key={f.user.id} user={f.user} online={presence[f.user.id] ?? f.online}>
                <Link className="button primary" to={`/c/u/${f.user.id}`}>Message</Link>
                <button type="button" onClick={() => window.confirm(`Remove ${f.user.displayName} from your friends?`) && void remove(f.user.id)}>Remove</button>
                <button type="button" className="danger" onClick={() => window.confirm(`Block ${f.user.displayName}?`) && void block({ userId: f.user.id, block: true })}>Block</button>
              </Person>
            ))}
            {friends.data?.length === 0 && <li className="muted">No friends yet. Search for someone above.</li>}
          </ul>
        </div>

        {(blocks.data?.length ?? 0) > 0 && (
          <div className="card">
            <h3 className="card-title">Blocked</h3>
            <ul className="people" aria-label="Blocked users">
              {blocks.data!.map((u) => (
                <Person key={u.id} user={u}><button type="button" onClick={() => void block({ userId: u.id, block: false })}>Unblock</button></Person>
              ))}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}
