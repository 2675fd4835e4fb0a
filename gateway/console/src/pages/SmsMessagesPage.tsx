import { PlaceholderPage } from './PlaceholderPage';

/** SMS Messages. */
export function SmsMessagesPage() {
  return <PlaceholderPage title="nav.smsMessages" />;
}
