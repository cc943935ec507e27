import { useState, type KeyboardEvent } from 'react';
import { downloadFile } from '../../app/files';
import type { FileInfo, Message } from '../../app/types';
import { Avatar, useFileUrl } from '../../components/Avatar';
import { problemText } from '../../app/problems';
import { useDeleteMessageMutation, useEditMessageMutation, useReactMutation } from './conversationsApi';

export const quickReactions = ['👍', '❤️', '😂', '😮', '😢', '🎉'];

export interface Sender { name: string; avatarUrl: string | null }

interface Props {
  message: Message;
  me: number;
  sender: Sender;
  showSender: boolean;
  canDelete: boolean;
  status?: 'sent' | 'seen';
  highlighted: boolean;
  replyAuthor: (id: number) => string;
  onReply: (m: Message) => void;
  onEdited: (m: Message) => void;
}

export function MessageItem({ message: m, me, sender, showSender, canDelete, status, highlighted, replyAuthor, onReply, onEdited }: Props) {
  const mine = m.senderId === me;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.body);
  const [picker, setPicker] = useState(false);
  const [edit, editState] = useEditMessageMutation();
  const [remove, removeState] = useDeleteMessageMutation();
  const [react, reactState] = useReactMutation();
  const error = problemText(editState.error ?? removeState.error ?? reactState.error);

  const save = async () => {
    const body = draft.trim();
    if (!body || body === m.body) return setEditing(false);
    const result = await edit({ messageId: m.id, body });
    if ('data' in result && result.data) {
      onEdited(result.data);
      setEditing(false);
    }
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void save(); }
    if (e.key === 'Escape') { setEditing(false); setDraft(m.body); }
  };
  const toggle = async (emoji: string) => {
    setPicker(false);
    const mineAlready = m.reactions?.find((r) => r.emoji === emoji)?.userIds.includes(me) ?? false;
    const result = await react({ messageId: m.id, emoji, add: !mineAlready });
    if ('data' in result && result.data) onEdited(result.data);
  };

  return (
    <li className={`message${mine ? ' mine' : ''}${highlighted ? ' highlighted' : ''}${showSender ? ' first' : ''}`} data-message-id={m.id} data-testid="message">
      {!mine && <div className="message-avatar">{showSender && <Avatar name={sender.name} url={sender.avatarUrl} size={32} />}</div>}
      <div className="message-main">
        {showSender && !mine && <div className="sender">{sender.name}</div>}
        <div className="bubble-row">
          <div className={`bubble${m.deletedAt ? ' deleted' : ''}`}>
            {m.replyTo && (
              <div className="reply-quote" data-testid="reply-quote">
                <span className="reply-author">{replyAuthor(m.replyTo.senderId)}</span>
                <span>{m.replyTo.deletedAt ? 'Message deleted' : m.replyTo.body}</span>
              </div>
            )}
            {m.deletedAt ? <em>Message deleted</em> : editing ? (
              <div className="edit-box">
                <textarea aria-label="Edit message" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKey} autoFocus rows={2} />
                <div className="edit-actions">
                  <button type="button" onClick={() => { setEditing(false); setDraft(m.body); }}>Cancel</button>
                  <button type="button" className="primary" onClick={() => void save()} disabled={editState.isLoading}>Save</button>
                </div>
              </div>
            ) : (
              <>
                {m.body && <div className="body" data-testid="message-body">{m.body}</div>}
                {m.attachments.map((a) => <Attachment key={a.id} file={a} />)}
              </>
            )}
            <div className="meta">
              {m.editedAt && !m.deletedAt && <span className="edited">edited</span>}
              <time dateTime={m.createdAt}>{new Date(m.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>
              {status && <span className="status" data-testid="message-status">{status === 'seen' ? 'Seen' : '✓ Sent'}</span>}
            </div>
          </div>
          {!m.deletedAt && !editing && (
            <div className="message-actions">
              <button type="button" className="icon" aria-label="Reply" title="Reply" onClick={() => onReply(m)}>↩</button>
              <button type="button" className="icon" aria-label="React" title="React" aria-expanded={picker} onClick={() => setPicker(!picker)}>☺</button>
              {mine && <button type="button" className="icon" aria-label="Edit" title="Edit" onClick={() => { setDraft(m.body); setEditing(true); }}>✎</button>}
              {canDelete && (
                <button type="button" className="icon" aria-label="Delete" title="Delete"
                  onClick={() => window.confirm('Delete this message for everyone?') && void remove(m.id)}>🗑</button>
              )}
              {picker && (
                <div className="picker" role="menu" aria-label="Pick a reaction">
                  {quickReactions.map((e) => <button type="button" role="menuitem" key={e} onClick={() => void toggle(e)} aria-label={`React ${e}`}>{e}</button>)}
                </div>
              )}
            </div>
          )}
        </div>
        {!!m.reactions?.length && !m.deletedAt && (
          <div className="reactions">
            {m.reactions.map((r) => (
              <button type="button" key={r.emoji} className={`reaction${r.userIds.includes(me) ? ' mine' : ''}`} onClick={() => void toggle(r.emoji)}
                aria-label={`${r.emoji} ${r.count}`} aria-pressed={r.userIds.includes(me)} data-testid="reaction">
                {r.emoji} <span>{r.count}</span>
              </button>
            ))}
          </div>
        )}
        {error && <div className="error small" role="alert">{error}</div>}
      </div>
    </li>
  );
}

function Attachment({ file }: { file: FileInfo }) {
  const image = file.contentType.startsWith('image/');
  const src = useFileUrl(image ? file.url : null);
  if (image) {
    return src
      ? <img className="attachment-image" src={src} alt={file.fileName} data-testid="attachment-image" />
      : <div className="attachment-image placeholder" aria-label={`Loading ${file.fileName}`} />;
  }
  return (
    <button type="button" className="attachment-file" onClick={() => void downloadFile(file)}>
      📎 {file.fileName} <span className="muted">{formatSize(file.size)}</span>
    </button>
  );
}

export const formatSize = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
