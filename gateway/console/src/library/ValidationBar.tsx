import { ProgressBar } from 'react-aria-components';
import { useI18n } from '../i18n/i18n';

/**
 * A roster's validation under way: an indeterminate bar (the API tells the rows checked, not how many
 * there are) and the count of rows checked so far. React Aria leaves an indeterminate bar without a
 * value text, so the count is the bar's own content here.
 */
export function ValidationBar({ label, processedRows, showLabel }: { label: string; processedRows: number; showLabel?: boolean }) {
  const { t } = useI18n();
  return (
    <ProgressBar className="progress validating" isIndeterminate aria-label={label}>
      {showLabel && <span className="progress-label">{label}</span>}
      <span className="progress-track">
        <span className="progress-fill indeterminate" />
      </span>
      <span className="progress-text">{t('rosters.processed', { rows: processedRows })}</span>
    </ProgressBar>
  );
}
