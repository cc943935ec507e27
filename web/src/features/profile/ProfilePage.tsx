import { useState, type FormEvent } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { upload } from '../../app/files';
import { fieldErrors, problemText } from '../../app/problems';
import { signOut } from '../../app/session';
import type { MeProfile } from '../../app/types';
import { Avatar } from '../../components/Avatar';
import { ErrorText, Field } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { profileUpdated } from '../auth/authSlice';
import { useDeleteAvatarMutation, useGetMeQuery, useUpdateMeMutation } from './profileApi';

export function ProfilePage() {
  const me = useGetMeQuery();
  return (
    <section className="page" aria-labelledby="profile-title">
      <PageHeader id="profile-title" title="Profile" />
      <div className="page-body">
        {me.data ? <ProfileForms key={me.data.id} me={me.data} refetch={() => void me.refetch()} /> : <ErrorText text={problemText(me.error)} />}
        <div className="card">
          <button type="button" className="danger" onClick={() => void signOut()}>Sign out</button>
        </div>
      </div>
    </section>
  );
}

function ProfileForms({ me, refetch }: { me: MeProfile; refetch: () => void }) {
  const dispatch = useAppDispatch();
  const user = useAppSelector((s) => s.auth.user!);
  const [form, setForm] = useState({ displayName: me.displayName, bio: me.bio, visibility: me.visibility, notificationsEnabled: me.notificationsEnabled });
  const [passwords, setPasswords] = useState({ currentPassword: '', newPassword: '' });
  const [update, updateState] = useUpdateMeMutation();
  const [changePassword, passwordState] = useUpdateMeMutation();
  const [deleteAvatar] = useDeleteAvatarMutation();
  const [saved, setSaved] = useState<string | null>(null);
  const [avatarProgress, setAvatarProgress] = useState<number | null>(null);
  const [avatarError, setAvatarError] = useState<unknown>(null);
  const fields = fieldErrors(updateState.error);
  const passwordFields = fieldErrors(passwordState.error);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    if ('data' in (await update(form))) setSaved('Profile saved.');
  };
  const savePassword = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    if ('data' in (await changePassword(passwords))) {
      setPasswords({ currentPassword: '', newPassword: '' });
      setSaved('Password changed. Your other sessions were signed out.');
    }
  };
  const pickAvatar = async (file: File | undefined) => {
    if (!file) return;
    setAvatarError(null);
    setAvatarProgress(0);
    try {
      dispatch(profileUpdated((await upload('/users/me/avatar', 'PUT', file, setAvatarProgress)) as MeProfile));
      refetch();
    } catch (err) {
      setAvatarError(err);
    } finally {
      setAvatarProgress(null);
    }
  };

  return (
    <>
      <div className="card profile-head">
        <Avatar name={user.displayName} url={user.avatarUrl} size={72} />
        <div>
          <div className="profile-name">{user.displayName}</div>
          <div className="muted">@{me.username} · {me.email}</div>
          <div className="row">
            <label className="button">Change photo<input type="file" accept="image/png,image/jpeg,image/gif,image/webp" hidden onChange={(e) => void pickAvatar(e.target.files?.[0])} /></label>
            {user.avatarUrl && <button type="button" onClick={async () => { await deleteAvatar(); dispatch(profileUpdated({ ...user, avatarUrl: null })); }}>Remove photo</button>}
          </div>
          {avatarProgress != null && <progress max={1} value={avatarProgress} aria-label="Uploading photo" />}
          <ErrorText text={problemText(avatarError)} />
        </div>
      </div>

      <form className="card" onSubmit={save} noValidate aria-labelledby="about-title">
        <h3 className="card-title" id="about-title">About you</h3>
        <Field label="Display name" value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} error={fields.displayName} maxLength={64} />
        <div className="field">
          <label htmlFor="bio">Bio</label>
          <textarea id="bio" rows={3} maxLength={500} value={form.bio} onChange={(e) => setForm({ ...form, bio: e.target.value })} aria-invalid={fields.bio ? true : undefined} />
          {fields.bio && <div className="field-error" role="alert">{fields.bio}</div>}
        </div>
        <div className="field">
          <label htmlFor="visibility">Who can see your bio</label>
          <select id="visibility" value={form.visibility} onChange={(e) => setForm({ ...form, visibility: e.target.value as MeProfile['visibility'] })}>
            <option value="public">Everyone</option>
            <option value="friends">Friends only</option>
          </select>
        </div>
        <label className="check"><input type="checkbox" checked={form.notificationsEnabled} onChange={(e) => setForm({ ...form, notificationsEnabled: e.target.checked })} /> Notifications</label>
        {!Object.keys(fields).length && <ErrorText text={problemText(updateState.error)} />}
        <button className="primary" disabled={updateState.isLoading}>Save profile</button>
      </form>

      <form className="card" onSubmit={savePassword} noValidate aria-labelledby="password-title">
        <h3 className="card-title" id="password-title">Change password</h3>
        <Field label="Current password" type="password" autoComplete="current-password" value={passwords.currentPassword}
          onChange={(e) => setPasswords({ ...passwords, currentPassword: e.target.value })} error={passwordFields.currentPassword} />
        <Field label="New password" type="password" autoComplete="new-password" value={passwords.newPassword}
          onChange={(e) => setPasswords({ ...passwords, newPassword: e.target.value })} error={passwordFields.newPassword} />
        {!Object.keys(passwordFields).length && <ErrorText text={problemText(passwordState.error)} />}
        <button className="primary" disabled={passwordState.isLoading || !passwords.newPassword}>Change password</button>
      </form>
      {saved && <div className="toast" role="status">{saved}</div>}
    </>
  );
}
