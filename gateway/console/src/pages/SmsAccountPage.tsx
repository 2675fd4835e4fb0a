import { PlaceholderPage } from './PlaceholderPage';

/** SMS Account (admin). */
export function SmsAccountPage() {
  return <PlaceholderPage title="nav.smsAccount" />;
}
