import { PlaceholderPage } from './PlaceholderPage';

/** API Keys (admin). */
export function ApiKeysPage() {
  return <PlaceholderPage title="nav.apiKeys" />;
}
