import { PlaceholderPage } from './PlaceholderPage';

/** Audit Log (admin). */
export function AuditLogPage() {
  return <PlaceholderPage title="nav.auditLog" />;
}
