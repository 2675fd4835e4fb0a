import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Button, Disclosure, DisclosurePanel, Heading, Label, Radio, RadioGroup } from 'react-aria-components';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { problemMessage } from '../../api/problem';
import { TextField } from '../../components/TextField';
import { useI18n } from '../../i18n/i18n';
import type { Errors } from './check';
import { ChoiceField } from './ChoiceField';
import type { Draft } from './draft';
import { errorOf } from './said';
import { SmsRuleFields } from './SmsRuleFields';

type Change = (p: Partial<Draft>) => void;

/** Step 3, the manual's "Send Settings": roster, start time (in WIB), the two SMS rules, and the dialing settings folded away. */
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
      </fieldset>
      <Advanced draft={draft} change={change} errors={errors} />
    </>
  );
}

/** "Start Time": "Run Immediately" or "Scheduled Run" at a date and time read in WIB (the browser's own zone plays no part). */
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
            {t('tasks.start.atHelp')}
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

/** The dialing settings most tasks leave at the API's defaults, folded away: calling window, concurrency, retries. */
function Advanced({ draft, change, errors }: { draft: Draft; change: Change; errors: Errors }) {
  const { t } = useI18n();
  const fields = ['windowStart', 'windowEnd', 'maxConcurrentCalls', 'maxAttempts', 'retryDelayMinutes'] as const;
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
        <div className="task-row">
          <TextField label={t('tasks.field.windowStart')} value={draft.windowStart} onChange={(windowStart) => change({ windowStart })} description={t('tasks.window.rule')} error={errorOf(t, errors, 'windowStart')} />
          <TextField label={t('tasks.field.windowEnd')} value={draft.windowEnd} onChange={(windowEnd) => change({ windowEnd })} description={t('tasks.window.rule')} error={errorOf(t, errors, 'windowEnd')} />
        </div>
        <div className="task-row">
          <TextField label={t('tasks.field.concurrency')} value={draft.maxConcurrentCalls} onChange={(maxConcurrentCalls) => change({ maxConcurrentCalls })} description={t('tasks.concurrency.rule')} error={errorOf(t, errors, 'maxConcurrentCalls')} />
          <TextField label={t('tasks.field.attempts')} value={draft.maxAttempts} onChange={(maxAttempts) => change({ maxAttempts })} description={t('tasks.attempts.rule')} error={errorOf(t, errors, 'maxAttempts')} />
          <TextField label={t('tasks.field.retryDelay')} value={draft.retryDelayMinutes} onChange={(retryDelayMinutes) => change({ retryDelayMinutes })} description={t('tasks.retryDelay.rule')} error={errorOf(t, errors, 'retryDelayMinutes')} />
        </div>
      </DisclosurePanel>
    </Disclosure>
  );
}
