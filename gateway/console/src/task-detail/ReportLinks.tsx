import type { Task } from '../api/client';
import { useI18n } from '../i18n/i18n';

/**
 * "Download Report" as the API gives it: plain links to GET /v1/tasks/{id}/report, which the browser
 * downloads itself (the answer is an attachment) with the session cookie — a GET needs no CSRF token,
 * and the report streams from the server instead of being assembled in the page.
 */
export function ReportLinks({ task }: { task: Task }) {
  const { t } = useI18n();
  const href = (format: 'xlsx' | 'csv') => `/v1/tasks/${encodeURIComponent(task.id)}/report?format=${format}`;
  return (
    <section className="detail-section" aria-labelledby="detail-report">
      <h2 id="detail-report">{t('detail.report')}</h2>
      <p>{t('detail.report.about')}</p>
      <div className="report-links">
        <a className="button" href={href('xlsx')} download>
          {t('detail.report.xlsx')}
        </a>
        <a className="button" href={href('csv')} download>
          {t('detail.report.csv')}
        </a>
      </div>
    </section>
  );
}
