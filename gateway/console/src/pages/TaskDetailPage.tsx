import { PlaceholderPage } from './PlaceholderPage';

/** A task: live progress, outcome chart, calls, reports. */
export function TaskDetailPage() {
  return <PlaceholderPage title="nav.scheduler" />;
}
