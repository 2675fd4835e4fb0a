import { PlaceholderPage } from './PlaceholderPage';

/** Voice › Auto Call › SMS Templates. */
export function TemplatesPage() {
  return <PlaceholderPage title="nav.smsTemplates" />;
}
