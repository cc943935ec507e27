import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { fieldErrors, problemText } from '../../app/problems';
import { ErrorText, Field } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { useCreateRoomMutation, useJoinRoomMutation, useListInvitesQuery, useListMyRoomsQuery, useListPublicRoomsQuery, useRespondToInviteMutation } from './roomsApi';

export function RoomsPage() {
  const navigate = useNavigate();
  const mine = useListMyRoomsQuery();
  const invites = useListInvitesQuery();
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => { const t = setTimeout(() => setDebounced(query.trim()), 250); return () => clearTimeout(t); }, [query]);
  const publicRooms = useListPublicRoomsQuery(debounced);
  const [create, createState] = useCreateRoomMutation();
  const [join, joinState] = useJoinRoomMutation();
  const [respond, respondState] = useRespondToInviteMutation();
  const [form, setForm] = useState({ name: '', description: '', isPrivate: false });
  const fields = fieldErrors(createState.error);
  const myIds = new Set((mine.data ?? []).map((r) => r.id));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create({ name: form.name.trim(), description: form.description.trim(), isPrivate: form.isPrivate });
    if ('data' in r && r.data) {
      setForm({ name: '', description: '', isPrivate: false });
      navigate(`/c/r/${r.data.id}`);
    }
  };

  return (
    <section className="page" aria-labelledby="rooms-title">
      <PageHeader id="rooms-title" title="Rooms" />
      <div className="page-body">
        {(invites.data?.length ?? 0) > 0 && (
          <div className="card">
            <h3 className="card-title">Invitations</h3>
            <ul className="people" aria-label="Invitations">
              {invites.data!.map((i) => (
                <li key={i.id} className="person">
                  <span className="avatar room" aria-hidden="true">#</span>
                  <span className="person-name">{i.room.name}<span className="muted"> from {i.inviter.displayName}</span></span>
                  <span className="person-actions">
                    <button type="button" className="primary" onClick={async () => {
                      const r = await respond({ inviteId: i.id, accept: true });
                      if ('data' in r) navigate(`/c/r/${i.room.id}`);
                    }}>Accept</button>
                    <button type="button" onClick={() => void respond({ inviteId: i.id, accept: false })}>Reject</button>
                  </span>
                </li>
              ))}
            </ul>
            <ErrorText text={problemText(respondState.error)} />
          </div>
        )}

        <form className="card" onSubmit={submit} noValidate aria-labelledby="create-room">
          <h3 className="card-title" id="create-room">Create a room</h3>
          <Field label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={fields.name} maxLength={80} required />
          <Field label="Description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} error={fields.description} maxLength={500} />
          <label className="check"><input type="checkbox" checked={form.isPrivate} onChange={(e) => setForm({ ...form, isPrivate: e.target.checked })} /> Private (invite only)</label>
          {!Object.keys(fields).length && <ErrorText text={problemText(createState.error)} />}
          <button className="primary" disabled={createState.isLoading}>Create room</button>
        </form>

        <div className="card">
          <h3 className="card-title">Your rooms</h3>
          <ul className="people" aria-label="Your rooms">
            {mine.data?.map((r) => (
              <li key={r.id} className="person">
                <span className="avatar room" aria-hidden="true">#</span>
                <Link className="person-name" to={`/c/r/${r.id}`}>{r.name}<span className="muted"> · {r.participantCount} members{r.isPrivate ? ' · private' : ''}</span></Link>
              </li>
            ))}
            {mine.data?.length === 0 && <li className="muted">You are in no rooms yet.</li>}
          </ul>
        </div>

        <div className="card">
          <label htmlFor="room-search" className="card-title">Public rooms</label>
          <input id="room-search" type="search" placeholder="Search rooms" value={query} onChange={(e) => setQuery(e.target.value)} />
          <ul className="people" aria-label="Public rooms">
            {publicRooms.data?.map((r) => (
              <li key={r.id} className="person">
                <span className="avatar room" aria-hidden="true">#</span>
                <span className="person-name">{r.name}<span className="muted"> · {r.participantCount} members{r.description ? ` · ${r.description}` : ''}</span></span>
                <span className="person-actions">
                  {myIds.has(r.id) ? <Link className="button" to={`/c/r/${r.id}`}>Open</Link> : (
                    <>
                      <Link className="button" to={`/c/r/${r.id}`}>Preview</Link>
                      <button type="button" className="primary" onClick={async () => { if ('data' in (await join(r.id))) navigate(`/c/r/${r.id}`); }}>Join</button>
                    </>
                  )}
                </span>
              </li>
            ))}
            {publicRooms.data?.length === 0 && <li className="muted">No public rooms found.</li>}
          </ul>
          <ErrorText text={problemText(joinState.error)} />
        </div>
      </div>
    </section>
  );
}
