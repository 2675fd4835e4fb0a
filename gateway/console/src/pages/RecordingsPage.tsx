import { PlaceholderPage } from './PlaceholderPage';

/** Voice › Auto Call › Recording Files. */
export function RecordingsPage() {
  return <PlaceholderPage title="nav.recordingFiles" />;
}
