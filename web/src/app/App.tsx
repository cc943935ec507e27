import { Navigate, Route, Routes } from 'react-router';
import { useAppSelector } from './hooks';
import { Shell, Welcome } from './Shell';
import { LoginPage, RegisterPage } from '../features/auth/AuthPages';
import { ConversationView } from '../features/conversations/ConversationView';
import { FriendsPage } from '../features/friends/FriendsPage';
import { ProfilePage } from '../features/profile/ProfilePage';
import { RoomsPage } from '../features/rooms/RoomsPage';
import { SearchPage } from '../features/search/SearchPage';

export function App() {
  const status = useAppSelector((s) => s.auth.status);
  if (status === 'loading') return <div className="splash" aria-busy="true">Loading…</div>;
  if (status === 'signedOut') {
    return (
      <Routes>
        <Route path="/register" element={<RegisterPage />} />
        <Route path="*" element={<LoginPage />} />
      </Routes>
    );
  }
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<Welcome />} />
        <Route path="c/:kind/:id" element={<ConversationView />} />
        <Route path="friends" element={<FriendsPage />} />
        <Route path="rooms" element={<RoomsPage />} />
        <Route path="search" element={<SearchPage />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
