import { PlaceholderPage } from './PlaceholderPage';

/** Users (admin). */
export function UsersPage() {
  return <PlaceholderPage title="nav.users" />;
}
