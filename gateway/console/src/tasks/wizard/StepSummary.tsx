import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button } from 'react-aria-components';
import { problemMessage } from '../../api/problem';
import type { components } from '../../api/schema';
import { useI18n } from '../../i18n/i18n';
import { formatDateTime, zoneAbbreviation } from '../../time/zone';
import { dryRunTask, type Errors } from './check';
import { retryOutcomes, type Draft, type SmsRule } from './draft';
import { firstCall } from './firstCall';
import { zonedToUtc } from './wib';
import { errorOf } from './said';

type List<T> = { items: T[] } | undefined;

/**
 * Step 4, "Submit the Task": what will be created, and when its first call goes out — with a
 * calling window that keeps it waiting (an immediate task at 21:00 WIB waits for 08:00), a button
 * that widens the window to the whole day.
 */
export function StepSummary({ draft, change, errors }: { draft: Draft; change(p: Partial<Draft>): void; errors: Errors }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const nameOf = <T extends { id: string; name: string }>(key: unknown[], id: string | undefined) => queries.getQueryData<List<T>>(key)?.items.find((x) => x.id === id)?.name ?? '';
  const templateName = (r: SmsRule) => (r.enabled ? nameOf<components['schemas']['SmsTemplate']>(['sms-templates', 'approved'], r.templateId) : t('tasks.summary.smsOff'));
  // the API's word (the dry run's nextCallAt); while it is on its way, the same rule worked out here (firstCall.ts)
  const dry = useQuery({ queryKey: ['task-dry-run', draft], queryFn: () => dryRunTask(draft) });
  const nextCallAt = dry.data?.task.nextCallAt;
  const zone = zoneAbbreviation(draft.timeZone);
  const retried = retryOutcomes.filter((o) => draft.retry[o].maxAttempts.trim() !== '');
  const first = nextCallAt ? { at: nextCallAt, waits: Date.parse(nextCallAt) > (draft.startMode === 'immediate' ? Date.now() + 60_000 : Date.parse(zonedToUtc(draft.startAt, draft.timeZone) ?? '')) } : firstCall(draft);
  return (
    <>
      <dl className="task-summary" aria-label={t('tasks.summary.label')}>
        <dt>{t('tasks.field.name')}</dt>
        <dd>{draft.name.trim()}</dd>
        <dt>{t('tasks.field.recording')}</dt>
        <dd>{nameOf<components['schemas']['Recording']>(['recordings', 'wizard'], draft.recordingId)}</dd>
        <dt>{t('tasks.field.roster')}</dt>
        <dd>{nameOf<components['schemas']['Roster']>(['rosters', 'wizard'], draft.rosterId)}</dd>
        <dt>{t('tasks.summary.start')}</dt>
        <dd>{draft.startMode === 'immediate' ? t('tasks.summary.startNow') : t('tasks.summary.startAt', { time: `${draft.startAt.replace('T', ' ')} ${zone}` })}</dd>
        <dt>{t('tasks.sms.onDisconnect')}</dt>
        <dd>{templateName(draft.onDisconnect)}</dd>
        <dt>{t('tasks.sms.onUnanswered')}</dt>
        <dd>{templateName(draft.onUnanswered)}</dd>
        <dt>{t('tasks.summary.window')}</dt>
        <dd>{t('tasks.summary.windowValue', { start: draft.windowStart, end: draft.windowEnd, zone })}</dd>
        <dt>{t('tasks.field.timeZone')}</dt>
        <dd>{draft.timeZone}</dd>
        <dt>{t('tasks.field.endAt')}</dt>
        <dd>{draft.endAt ? `${draft.endAt.replace('T', ' ')} ${zone}` : t('tasks.endAt.none')}</dd>
        <dt>{t('tasks.field.skipBlackouts')}</dt>
        <dd>{draft.skipBlackouts ? t('tasks.summary.yes') : t('tasks.summary.no')}</dd>
        <dt>{t('tasks.field.amd')}</dt>
        <dd>{draft.amd ? t(`tasks.onMachine.${draft.onMachine}`) : t('tasks.summary.no')}</dd>
        <dt>{t('tasks.field.retry')}</dt>
        <dd>
          {retried.length === 0
            ? t('tasks.retry.general', { attempts: draft.maxAttempts, delay: draft.retryDelayMinutes })
            : retried.map((o) => t('tasks.retry.summary', { outcome: t(`tasks.retry.${o}`), attempts: draft.retry[o].maxAttempts, delay: draft.retry[o].delayMinutes || draft.retryDelayMinutes })).join('; ')}
        </dd>
      </dl>
      {first && (
        <section className="task-first-call" aria-label={t('tasks.summary.firstCall')}>
          <p>{draft.startMode === 'immediate' && !first.waits ? t('tasks.summary.firstCallNow') : t('tasks.summary.firstCallAt', { time: formatDateTime(first.at, draft.timeZone) })}</p>
          {first.waits && (
            <>
              <p>{t('tasks.summary.waits', { start: draft.windowStart, end: draft.windowEnd, zone })}</p>
              <Button className="button" onPress={() => change({ windowStart: '00:00', windowEnd: '24:00' })}>
                {t('tasks.summary.widen')}
              </Button>
            </>
          )}
        </section>
      )}
      {dry.isError && (
        <p role="alert" className="error">
          {problemMessage(t, dry.error)}
        </p>
      )}
      {errors.form && (
        <p role="alert" className="error">
          {errorOf(t, errors, 'form')}
        </p>
      )}
    </>
  );
}
