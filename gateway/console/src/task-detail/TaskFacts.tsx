import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, unwrap, type Task } from '../api/client';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/languages';
import { formatDateTime, formatLocalAndUtc, zoneAbbreviation } from '../time/zone';

type Rule = Task['sms']['onDisconnect'];

/** What the task is set to do: status, start, times (in its zone; start, next call and end also in UTC), recording and roster by name, SMS and dialing settings. */
export function TaskFacts({ task }: { task: Task }) {
  const { t } = useI18n();
  const zone = task.dialing.timeZone;
  const when = (iso: string | null) => (iso ? formatDateTime(iso, zone) : t('time.none'));
  const both = (iso: string | null) => (iso ? formatLocalAndUtc(iso, zone) : t('time.none'));
  const retry = task.dialing.retry;
  const outcomes = (['busy', 'no_answer', 'unavailable'] as const).filter((o) => retry[o]);
  const { callingWindow: w } = task.dialing;
  const days = w.days.length === 7 ? t('detail.window.everyDay') : w.days.map((d) => t(`detail.day.${d}` as MessageKey)).join(', ');
  return (
    <section className="detail-section" aria-labelledby="detail-settings">
      <h2 id="detail-settings">{t('detail.settings')}</h2>
      <dl className="facts">
        <Fact label={t('detail.status')}>{t(`tasks.status.${task.status}` as MessageKey)}</Fact>
        <Fact label={t('detail.startTime')}>{task.start.mode === 'immediate' ? t('detail.start.immediate') : t('detail.start.scheduled', { time: both(task.start.at) })}</Fact>
        <Fact label={t('detail.startedAt')}>{when(task.startedAt)}</Fact>
        <Fact label={t('detail.nextCall')}>{task.status === 'completed' || task.status === 'cancelled' ? t('time.none') : both(task.nextCallAt)}</Fact>
        <Fact label={t('detail.endAt')}>{task.dialing.endAt ? both(task.dialing.endAt) : t('detail.endAt.none')}</Fact>
        <Fact label={t('detail.timeZone')}>{zoneAbbreviation(zone) === zone ? zone : `${zone} (${zoneAbbreviation(zone)})`}</Fact>
        {task.pausedAt && <Fact label={t('detail.pausedAt')}>{when(task.pausedAt)}</Fact>}
        {task.completedAt && <Fact label={t('detail.completedAt')}>{when(task.completedAt)}</Fact>}
        {task.cancelledAt && <Fact label={t('detail.cancelledAt')}>{when(task.cancelledAt)}</Fact>}
        <Fact label={t('detail.createdAt')}>{when(task.createdAt)}</Fact>
        <Fact label={t('detail.recording')}>
          <NameOf what="recordings" id={task.recordingId} />
        </Fact>
        <Fact label={t('detail.roster')}>
          <NameOf what="rosters" id={task.rosterId} />
        </Fact>
        <Fact label={t('detail.sms.onDisconnect')}>
          <SmsRule rule={task.sms.onDisconnect} withWhen />
        </Fact>
        <Fact label={t('detail.sms.onUnanswered')}>
          <SmsRule rule={task.sms.onUnanswered} />
        </Fact>
        <Fact label={t('detail.window')}>{t('detail.window.value', { start: w.start, end: w.end, zone: zoneAbbreviation(zone), days })}</Fact>
        <Fact label={t('detail.concurrency')}>{task.dialing.maxConcurrentCalls}</Fact>
        <Fact label={t('detail.attempts')}>{task.dialing.maxAttempts}</Fact>
        <Fact label={t('detail.retryDelay')}>{t('detail.minutes', { minutes: task.dialing.retryDelayMinutes })}</Fact>
        {outcomes.map((o) => (
          <Fact key={o} label={t('detail.retry', { outcome: t(`tasks.retry.${o}`) })}>
            {t('detail.retry.value', { attempts: retry[o]?.maxAttempts ?? 0, minutes: retry[o]?.delayMinutes ?? 0 })}
          </Fact>
        ))}
        <Fact label={t('detail.skipBlackouts')}>{task.dialing.skipBlackouts ? t('tasks.summary.yes') : t('tasks.summary.no')}</Fact>
        <Fact label={t('tasks.field.amd')}>{task.dialing.amd.enabled ? t(`tasks.onMachine.${task.dialing.amd.onMachine}`) : t('tasks.summary.no')}</Fact>
      </dl>
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function SmsRule({ rule, withWhen = false }: { rule: Rule; withWhen?: boolean }) {
  const { t } = useI18n();
  if (!rule.enabled || !rule.templateId) return <>{t('detail.sms.off')}</>;
  const when = withWhen && rule.when ? t(`detail.sms.when.${rule.when}`) : undefined;
  return <NameOf what="sms-templates" id={rule.templateId} wrap={(template) => (when ? t('detail.sms.templateWhen', { template, when }) : t('detail.sms.template', { template }))} />;
}

/**
 * The name of a recording, roster or template the task refers to (GET by id). One deleted since, or
 * not readable, is said to be no longer available rather than failing the page.
 */
function NameOf({ what, id, wrap = (name) => name }: { what: 'recordings' | 'rosters' | 'sms-templates'; id: string; wrap?: (name: string) => string }) {
  const { t } = useI18n();
  const named = useQuery({
    queryKey: [what, id],
    queryFn: () => nameOf(what, id),
    retry: false,
    staleTime: 60_000,
  });
  if (named.isPending) return <>{t('common.loading')}</>;
  if (named.isError) return <>{t('detail.gone')}</>;
  return <>{wrap(named.data.name)}</>;
}

async function nameOf(what: 'recordings' | 'rosters' | 'sms-templates', id: string): Promise<{ name: string }> {
  const path = { params: { path: { id } } };
  switch (what) {
    case 'recordings':
      return unwrap(api.GET('/v1/recordings/{id}', path));
    case 'rosters':
      return unwrap(api.GET('/v1/rosters/{id}', path));
    case 'sms-templates':
      return unwrap(api.GET('/v1/sms-templates/{id}', path));
  }
}
