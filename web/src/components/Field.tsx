import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** A labelled input with its field error right under it. */
export function Field({ label, error, hint, children, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: ReactNode; children?: ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children ?? <input id={id} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...input} />}
      {hint && !error && <div className="hint">{hint}</div>}
      {error && <div className="field-error" id={`${id}-error`} role="alert">{error}</div>}
    </div>
  );
}

export function ErrorText({ text }: { text: string | null | undefined }) {
  return text ? <div className="error" role="alert">{text}</div> : null;
}
