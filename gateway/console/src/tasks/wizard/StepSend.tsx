import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Button, Disclosure, DisclosurePanel, Heading, Label, Radio, RadioGroup } from 'react-aria-components';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { problemMessage } from '../../api/problem';
import { Checkbox } from '../../admin/Checkbox';
import { TextField } from '../../components/TextField';
import { zoneAbbreviation } from '../../time/zone';
import { useI18n } from '../../i18n/i18n';
import type { Errors } from './check';
import { ChoiceField } from './ChoiceField';
import { onMachineChoices, retryOutcomes, type Draft, type OnMachine, type RetryOutcome } from './draft';
import { errorOf } from './said';
import { SmsRuleFields } from './SmsRuleFields';
import { ReplyRulesFields } from './ReplyRulesFields';
import { TimeZoneField } from './TimeZoneField';

type Change = (p: Partial<Draft>) => void;

/** Step 3, the manual's "Send Settings": roster, start time (in the task's zone), the two SMS rules, and the dialing settings folded away. */
export function StepSend({ draft, change, errors }: { draft: Draft; change: Change; errors: Errors }) {
  const { t } = useI18n();
  const rosters = useQuery({ queryKey: ['rosters', 'wizard'], queryFn: () => unwrap(api.GET('/v1/rosters', { params: { query: { page: 1, status: 'ready', pageSize: 200 } } })) });
  const account = useQuery({ queryKey: ['sms-account'], queryFn: () => unwrap(api.GET('/v1/sms-account')) });
  const items = (rosters.data?.items ?? []).filter((r) => r.status === 'ready');
  const smsActive = account.data?.status === 'active';
  const failed = rosters.error ?? account.error;
  return (
    <>
      {failed && (
        <p role="alert" className="error">
          {problemMessage(t, failed)}
        </p>
      )}
      <ChoiceField
        label={t('tasks.field.roster')}
        placeholder={rosters.isPending ? t('common.loading') : items.length === 0 ? t('tasks.roster.none') : t('tasks.roster.choose')}
        choices={items.map((r) => ({ id: r.id, label: t('tasks.roster.option', { name: r.name, valid: r.counts.valid }) }))}
        selected={draft.rosterId}
        onSelect={(rosterId) => change({ rosterId })}
        error={errorOf(t, errors, 'rosterId')}
        isDisabled={rosters.isPending}
        description={<Link to="/task-roster">{t('tasks.roster.upload')}</Link>}
      />
      <StartTime draft={draft} change={change} errors={errors} />
      <fieldset className="task-sms" disabled={!smsActive} aria-describedby={smsActive ? undefined : 'task-sms-reason'}>
        <legend>{t('tasks.field.sms')}</legend>
        {!account.isPending && !smsActive && (
          <p id="task-sms-reason" className="field-description">
            {t('tasks.sms.inactive')}
          </p>
        )}
        {errors.sms && (
          <p role="alert" className="field-error">
            {errorOf(t, errors, 'sms')}
          </p>
        )}
        <SmsRuleFields legend={t('tasks.sms.onDisconnect')} rule={draft.onDisconnect} onChange={(onDisconnect) => change({ onDisconnect })} isDisabled={!smsActive} draft={draft} error={errorOf(t, errors, 'onDisconnect')} />
        <SmsRuleFields legend={t('tasks.sms.onUnanswered')} rule={draft.onUnanswered} onChange={(onUnanswered) => change({ onUnanswered })} isDisabled={!smsActive} draft={draft} error={errorOf(t, errors, 'onUnanswered')} />
        <ReplyRulesFields rules={draft.replyRules} onChange={(replyRules) => change({ replyRules })} isDisabled={!smsActive} />
      </fieldset>
      <Advanced draft={draft} change={change} errors={errors} />
    </>
  );
}

/** "Start Time": "Run Immediately" or "Scheduled Run" at a date and time read in the task's zone (the browser's own plays no part). */
function StartTime({ draft, change, errors }: { draft: Draft; change: Change; errors: Errors }) {
  const { t } = useI18n();
  const id = useId();
  const error = errorOf(t, errors, 'start');
  return (
    <>
      <RadioGroup className="field task-start" value={draft.startMode} onChange={(v) => change({ startMode: v === 'scheduled' ? 'scheduled' : 'immediate' })}>
        <Label>{t('tasks.field.start')}</Label>
        <Radio className="radio" value="immediate">
          {t('tasks.start.immediate')}
        </Radio>
        <Radio className="radio" value="scheduled">
          {t('tasks.start.scheduled')}
        </Radio>
      </RadioGroup>
      {draft.startMode === 'scheduled' && (
        <div className="field">
          <label htmlFor={`${id}-at`}>{t('tasks.start.at')}</label>
          <input
            id={`${id}-at`}
            type="datetime-local"
            step={60}
            value={draft.startAt}
            onChange={(e) => change({ startAt: e.target.value })}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`}
            required
          />
          <span id={`${id}-help`} className="field-description">
            {t('tasks.start.atHelp', { zone: zoneName(draft.timeZone) })}
          </span>
          {error && (
            <span id={`${id}-error`} className="field-error">
              {error}
            </span>
          )}
        </div>
      )}
    </>
  );
}

/** `Asia/Makassar (WITA)`, or the IANA name alone when it has no Indonesian abbreviation. */
const zoneName = (zone: string) => (zoneAbbreviation(zone) === zone ? zone : `${zone} (${zoneAbbreviation(zone)})`);

/** A time typed in the task's zone (the end time), as the start time's field is. */
function ZonedTimeField({ label, help, value, onChange, error }: { label: string; help: string; value: string; onChange(v: string): void; error?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={`${id}-at`}>{label}</label>
      <input id={`${id}-at`} type="datetime-local" step={60} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`} />
      <span id={`${id}-help`} className="field-description">
        {help}
      </span>
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** One outcome's retry rule: attempts in all and the delay; both empty, the general rule applies. */
function RetryRuleFields({ outcome, draft, change, error }: { outcome: RetryOutcome; draft: Draft; change: Change; error?: string }) {
  const { t } = useI18n();
  const rule = draft.retry[outcome];
  const set = (p: Partial<typeof rule>) => change({ retry: { ...draft.retry, [outcome]: { ...rule, ...p } } });
  const name = t(`tasks.retry.${outcome}`);
  return (
    <fieldset className="task-retry">
      <legend>{name}</legend>
      <div className="task-row">
        <TextField label={t('tasks.retry.attempts', { outcome: name })} value={rule.maxAttempts} onChange={(maxAttempts) => set({ maxAttempts })} description={t('tasks.retry.attempts.rule')} error={error} />
        <TextField label={t('tasks.retry.delay', { outcome: name })} value={rule.delayMinutes} onChange={(delayMinutes) => set({ delayMinutes })} description={t('tasks.retry.delay.rule')} />
      </div>
    </fieldset>
  );
}

/** The dialing settings most tasks leave at the API's defaults, folded away: time zone, calling window, end, blackouts, concurrency, retries. */
function Advanced({ draft, change, errors }: { draft: Draft; change: Change; errors: Errors }) {
  const { t } = useI18n();
  const fields = ['timeZone', 'endAt', 'windowStart', 'windowEnd', 'maxConcurrentCalls', 'maxAttempts', 'retryDelayMinutes', 'retry_busy', 'retry_no_answer', 'retry_unavailable'] as const;
  const hasError = fields.some((f) => errors[f]);
  return (
    <Disclosure className="task-advanced" defaultExpanded={hasError} key={hasError ? 'open' : 'folded'}>
      <Heading level={5} className="task-advanced-heading">
        <Button slot="trigger" className="button disclosure-trigger">
          <span aria-hidden="true" className="disclosure-chevron">
            ▸
          </span>
          {t('tasks.field.advanced')}
        </Button>
      </Heading>
      <DisclosurePanel className="task-advanced-panel">
        <TimeZoneField label={t('tasks.field.timeZone')} value={draft.timeZone} onChange={(timeZone) => change({ timeZone })} description={t('tasks.timeZone.rule')} error={errorOf(t, errors, 'timeZone')} />
        <ZonedTimeField label={t('tasks.field.endAt')} help={t('tasks.endAt.rule', { zone: zoneName(draft.timeZone) })} value={draft.endAt} onChange={(endAt) => change({ endAt })} error={errorOf(t, errors, 'endAt')} />
        <Checkbox label={t('tasks.field.skipBlackouts')} isSelected={draft.skipBlackouts} onChange={(skipBlackouts) => change({ skipBlackouts })} />
        <div className="task-row">
          <TextField label={t('tasks.field.windowStart')} value={draft.windowStart} onChange={(windowStart) => change({ windowStart })} description={t('tasks.window.rule')} error={errorOf(t, errors, 'windowStart')} />
          <TextField label={t('tasks.field.windowEnd')} value={draft.windowEnd} onChange={(windowEnd) => change({ windowEnd })} description={t('tasks.window.rule')} error={errorOf(t, errors, 'windowEnd')} />
        </div>
        <div className="task-row">
          <TextField label={t('tasks.field.concurrency')} value={draft.maxConcurrentCalls} onChange={(maxConcurrentCalls) => change({ maxConcurrentCalls })} description={t('tasks.concurrency.rule')} error={errorOf(t, errors, 'maxConcurrentCalls')} />
          <TextField label={t('tasks.field.attempts')} value={draft.maxAttempts} onChange={(maxAttempts) => change({ maxAttempts })} description={t('tasks.attempts.rule')} error={errorOf(t, errors, 'maxAttempts')} />
          <TextField label={t('tasks.field.retryDelay')} value={draft.retryDelayMinutes} onChange={(retryDelayMinutes) => change({ retryDelayMinutes })} description={t('tasks.retryDelay.rule')} error={errorOf(t, errors, 'retryDelayMinutes')} />
        </div>
        <p className="field-description">{t('tasks.retry.intro')}</p>
        {retryOutcomes.map((o) => (
          <RetryRuleFields key={o} outcome={o} draft={draft} change={change} error={errorOf(t, errors, `retry_${o}`)} />
        ))}
        <Checkbox label={t('tasks.field.amd')} isSelected={draft.amd} onChange={(amd) => change({ amd })} />
        <p className="field-description">{t('tasks.amd.rule')}</p>
        {draft.amd && (
          <ChoiceField
            label={t('tasks.field.onMachine')}
            placeholder={t('tasks.onMachine.hangup')}
            choices={onMachineChoices.map((id) => ({ id, label: t(`tasks.onMachine.${id}`) }))}
            selected={draft.onMachine}
            onSelect={(id) => change({ onMachine: id as OnMachine })}
          />
        )}
      </DisclosurePanel>
    </Disclosure>
  );
}
