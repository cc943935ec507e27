import { useNavigate } from 'react-router';

export function PageHeader({ id, title, children }: { id: string; title: string; children?: React.ReactNode }) {
  const navigate = useNavigate();
  return (
    <header className="page-header">
      <button type="button" className="icon back" aria-label="Back to conversations" onClick={() => navigate('/')}>←</button>
      <h2 id={id}>{title}</h2>
      {children}
    </header>
  );
}
