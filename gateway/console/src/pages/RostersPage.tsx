import { PlaceholderPage } from './PlaceholderPage';

/** Voice › Auto Call › Task Roster. */
export function RostersPage() {
  return <PlaceholderPage title="nav.taskRoster" />;
}
