import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { upload } from '../../app/files';
import { problemText } from '../../app/problems';
import type { FileInfo, Message } from '../../app/types';

interface Upload { id: number; file: File; progress: number; info: FileInfo | null; error: string | null; preview: string | null }

interface Props {
  replyTo: Message | null;
  replyAuthor: string;
  onCancelReply: () => void;
  onSend: (body: string, attachments: FileInfo[]) => void;
  onTyping: () => void;
  onTypingDone: () => void;
}

let uploadSeq = 0;

export function Composer({ replyTo, replyAuthor, onCancelReply, onSend, onTyping, onTypingDone }: Props) {
  const [text, setText] = useState('');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const input = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const idle = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => { if (replyTo) input.current?.focus(); }, [replyTo]);
  useEffect(() => () => clearTimeout(idle.current), []);

  const ready = uploads.every((u) => u.info);
  const canSend = ready && (text.trim().length > 0 || uploads.length > 0);

  const send = () => {
    if (!canSend) return;
    onSend(text.trim(), uploads.map((u) => u.info!));
    setText('');
    setUploads([]);
    clearTimeout(idle.current);
    onTypingDone();
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
    if (e.key === 'Escape' && replyTo) onCancelReply();
  };
  const change = (value: string) => {
    setText(value);
    if (value) onTyping();
    clearTimeout(idle.current);
    idle.current = setTimeout(onTypingDone, 4_000);
  };
  const attach = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const id = ++uploadSeq;
      const preview = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
      setUploads((list) => [...list, { id, file, progress: 0, info: null, error: null, preview }]);
      const patch = (p: Partial<Upload>) => setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...p } : u)));
      upload('/files/upload', 'POST', file, (progress) => patch({ progress }))
        .then((info) => patch({ info: info as FileInfo, progress: 1 }), (e) => patch({ error: problemText(e) }));
    }
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <div className="composer">
      {replyTo && (
        <div className="replying" data-testid="replying">
          <div><strong>Replying to {replyAuthor}</strong><span className="muted"> {replyTo.body.slice(0, 120)}</span></div>
          <button type="button" className="icon" aria-label="Cancel reply" onClick={onCancelReply}>✕</button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Attachments">
          {uploads.map((u) => (
            <li key={u.id} className="upload">
              {u.preview ? <img src={u.preview} alt="" /> : <span className="upload-icon">📎</span>}
              <div className="upload-text">
                <span className="upload-name">{u.file.name}</span>
                {u.error ? <span className="field-error" role="alert">{u.error}</span>
                  : <progress max={1} value={u.progress} aria-label={`Uploading ${u.file.name}`} />}
              </div>
              <button type="button" className="icon" aria-label={`Remove ${u.file.name}`} onClick={() => setUploads((l) => l.filter((x) => x.id !== u.id))}>✕</button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <button type="button" className="icon attach" aria-label="Attach files" title="Attach files" onClick={() => fileInput.current?.click()}>📎</button>
        <input ref={fileInput} type="file" multiple hidden data-testid="file-input" onChange={(e) => attach(e.target.files)} />
        <textarea ref={input} rows={1} placeholder="Write a message…" aria-label="Message" value={text}
          onChange={(e) => change(e.target.value)} onKeyDown={onKey} />
        <button type="button" className="primary send" onClick={send} disabled={!canSend} aria-label="Send">Send</button>
      </div>
    </div>
  );
}
