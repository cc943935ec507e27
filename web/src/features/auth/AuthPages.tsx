import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { register, signIn } from '../../app/session';
import { fieldErrors, problemText } from '../../app/problems';
import { ErrorText, Field } from '../../components/Field';

function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand"><img src="/app/favicon.svg" alt="" width={36} height={36} /> Messenger</div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** A form's submit: runs the action once at a time and keeps its problem to show under the fields. */
function useSubmit(action: () => Promise<unknown>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

export function LoginPage() {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(() => signIn(login.trim(), password));
  const fields = fieldErrors(error);
  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit} noValidate>
        <Field label="Username or email" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} error={fields.login} required autoFocus />
        <Field label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={fields.password} required />
        {!Object.keys(fields).length && <ErrorText text={problemText(error)} />}
        <button className="primary wide" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p className="muted">New here? <Link to="/register">Create an account</Link></p>
    </AuthCard>
  );
}

export function RegisterPage() {
  const [form, setForm] = useState({ username: '', email: '', displayName: '', password: '' });
  const set = (name: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [name]: e.target.value });
  const { busy, error, submit } = useSubmit(() =>
    register({ username: form.username.trim(), email: form.email.trim(), password: form.password, displayName: form.displayName.trim() || undefined }));
  const fields = fieldErrors(error);
  return (
    <AuthCard title="Create your account">
      <form onSubmit={submit} noValidate>
        <Field label="Username" autoComplete="username" value={form.username} onChange={set('username')} error={fields.username} hint="3–32 letters, digits, . _ -" required autoFocus />
        <Field label="Email" type="email" autoComplete="email" value={form.email} onChange={set('email')} error={fields.email} required />
        <Field label="Display name (optional)" autoComplete="nickname" value={form.displayName} onChange={set('displayName')} error={fields.displayName} />
        <Field label="Password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={fields.password} hint="At least 8 characters" required />
        {!Object.keys(fields).length && <ErrorText text={problemText(error)} />}
        <button className="primary wide" disabled={busy}>{busy ? 'Creating…' : 'Create account'}</button>
      </form>
      <p className="muted">Already have an account? <Link to="/">Sign in</Link></p>
    </AuthCard>
  );
}
