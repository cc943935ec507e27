import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useAppSelector } from '../../app/hooks';
import { fieldErrors, problemText } from '../../app/problems';
import { messageKey, type Message } from '../../app/types';
import { ErrorText } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { useLazySearchMessagesQuery } from '../conversations/conversationsApi';

export function SearchPage() {
  const me = useAppSelector((s) => s.auth.user!.id);
  const conversations = useAppSelector((s) => s.chat.conversations);
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<Message[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [run, state] = useLazySearchMessagesQuery();
  const search = async (e?: FormEvent, before?: number) => {
    e?.preventDefault();
    const q = query.trim();
    if (!q) return;
    const { data } = await run({ query: q, before });
    // A refused search (a query of only short or stop words, say) leaves no stale results under its error.
    setItems(data ? (before ? [...items, ...data.items] : data.items) : before ? items : []);
    setHasMore(data?.hasMore ?? false);
  };
  // The API names `query` when it has no word to search for: that sentence goes under the field.
  const queryError = fieldErrors(state.error).query;
  const href = (m: Message) => `/c/${m.roomId != null ? `r/${m.roomId}` : `u/${m.senderId === me ? m.recipientId : m.senderId}`}?m=${m.id}`;
  return (
    <section className="page" aria-labelledby="search-title">
      <PageHeader id="search-title" title="Search messages" />
      <div className="page-body">
        <form className="card row" onSubmit={search} role="search">
          <input type="search" aria-label="Search messages" placeholder="Words to find" value={query} onChange={(e) => setQuery(e.target.value)} maxLength={100}
            aria-invalid={queryError ? true : undefined} aria-describedby={queryError ? 'search-query-error' : undefined} />
          <button className="primary" disabled={state.isFetching}>Search</button>
        </form>
        {queryError
          ? <div className="field-error" id="search-query-error" role="alert">Your search {queryError}</div>
          : <ErrorText text={problemText(state.error)} />}
        <ul className="search-results" aria-label="Results">
          {items.map((m) => (
            <li key={m.id}>
              <Link to={href(m)} className="search-result">
                <span className="search-where">{conversations[messageKey(m, me)]?.name ?? 'Conversation'}</span>
                <span className="search-body">{m.body}</span>
                <time className="muted" dateTime={m.createdAt}>{new Date(m.createdAt).toLocaleString()}</time>
              </Link>
            </li>
          ))}
          {state.isSuccess && !items.length && <li className="muted">No messages match.</li>}
        </ul>
        {hasMore && <button type="button" onClick={() => void search(undefined, items[items.length - 1].id)}>More results</button>}
      </div>
    </section>
  );
}
