import { ProgressBar } from 'react-aria-components';
import type { Task } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { BarChart, chartList } from './BarChart';
import { counterLabel, countsOf, OUTCOME_COUNTERS, SMS_COUNTERS, type Count } from './counters';

/** The task's live progress: the share of numbers with a final outcome, and every counter as a chart and as a table. */
export function ProgressPanel({ task }: { task: Task }) {
  const { t } = useI18n();
  const { progress } = task;
  const outcomes = countsOf(progress, OUTCOME_COUNTERS);
  const sms = countsOf(progress, SMS_COUNTERS);
  const final = outcomes.filter((c) => c.counter !== 'pending').reduce((sum, c) => sum + c.count, 0);
  const smsTotal = sms.reduce((sum, c) => sum + c.count, 0);
  return (
    <section className="detail-section" aria-labelledby="detail-progress">
      <h2 id="detail-progress">{t('detail.progress')}</h2>
      <ProgressBar className="progress detail-progress" value={progress.percent} aria-label={t('detail.progressOf', { name: task.name })}>
        {({ valueText }) => (
          <>
            <span className="progress-track">
              <span className="progress-fill" style={{ width: `${progress.percent}%` }} />
            </span>
            <span className="progress-text">{valueText}</span>
          </>
        )}
      </ProgressBar>
      <p>{t('detail.progress.summary', { final, total: progress.total })}</p>
      <h3>{t('detail.outcomes')}</h3>
      <div className="chart-with-table">
        <BarChart counts={outcomes} scale={progress.total} summary={t('detail.outcomes.chart', { total: progress.total, list: chartList(t, outcomes) })} />
        <CountTable label={t('detail.outcomes.table')} head={[t('detail.col.outcome'), t('detail.col.numbers')]} counts={outcomes} scale={progress.total} />
      </div>
      <h3>{t('detail.col.sms')}</h3>
      <div className="chart-with-table">
        <BarChart counts={sms} scale={smsTotal} summary={t('detail.smsChart', { list: chartList(t, sms) })} />
        <CountTable label={t('detail.smsTable')} head={[t('detail.col.sms'), t('detail.col.messages')]} counts={sms} scale={smsTotal} />
      </div>
    </section>
  );
}

/** The chart's numbers as a table a screen reader (and a test) reads: label, count, share of `scale`. */
function CountTable({ label, head, counts, scale }: { label: string; head: [string, string]; counts: readonly Count[]; scale: number }) {
  const { t } = useI18n();
  return (
    <table className="table counts" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">{head[0]}</th>
          <th scope="col">{head[1]}</th>
          <th scope="col">{t('detail.col.share')}</th>
        </tr>
      </thead>
      <tbody>
        {counts.map(({ counter, count }) => (
          <tr key={counter}>
            <th scope="row">{t(counterLabel(counter))}</th>
            <td>{count}</td>
            <td>{scale > 0 ? `${Math.round((count / scale) * 1000) / 10}%` : t('time.none')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
