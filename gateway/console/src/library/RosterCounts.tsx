import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/languages';
import type { Roster } from './types';

/** A roster's outcome once validated: its valid, invalid and duplicate counts, or why it failed. */
export function RosterCounts({ roster }: { roster: Roster }) {
  const { t } = useI18n();
  if (roster.status === 'failed') {
    return (
      <p role="alert" className="error">
        {t('rosters.failed', { reason: roster.failureReason ? t(`rosters.failure.${roster.failureReason}` as MessageKey) : '' })}
      </p>
    );
  }
  return (
    <dl className="roster-counts">
      <div>
        <dt>{t('rosters.col.valid')}</dt>
        <dd>{roster.counts.valid}</dd>
      </div>
      <div>
        <dt>{t('rosters.col.invalid')}</dt>
        <dd>{roster.counts.invalid}</dd>
      </div>
      <div>
        <dt>{t('rosters.col.duplicate')}</dt>
        <dd>{roster.counts.duplicate}</dd>
      </div>
    </dl>
  );
}

/** The errors xlsx of a roster (`GET /v1/rosters/{id}/errors?format=xlsx`): a plain link, the session cookie authorises it. */
export const errorsXlsxUrl = (id: string) => `/v1/rosters/${encodeURIComponent(id)}/errors?format=xlsx`;
/** The standard template (`GET /v1/rosters/template`). */
export const TEMPLATE_URL = '/v1/rosters/template';
