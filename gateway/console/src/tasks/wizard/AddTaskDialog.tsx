import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { api, ApiError, unwrap, type Task } from '../../api/client';
import { FormDialog } from '../../components/FormDialog';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/languages';
import { checkStep, placeApiError, stepOf, type Errors, type Field } from './check';
import { forgetDraft, saveDraft, toBody, type Draft, type Step } from './draft';
import { taskProblem } from '../problems';
import { errorOf } from './said';
import { StepName } from './StepName';
import { StepRecording } from './StepRecording';
import { StepSend } from './StepSend';
import { StepSummary } from './StepSummary';

const TITLES: Record<Step, MessageKey> = { 1: 'tasks.wizard.step1', 2: 'tasks.wizard.step2', 3: 'tasks.wizard.step3', 4: 'tasks.wizard.step4' };

/**
 * "Add": the manual's four steps in one dialog. Each "Next Step" checks its step (check.ts) and an
 * error stays on its step and field; "Submit" creates the task with the opening's Idempotency-Key.
 * The draft is saved as it changes, so an expired session costs nothing typed (draft.ts).
 */
export function AddTaskDialog({ initial, restored, onClose, onCreated }: { initial: Draft; restored: boolean; onClose(): void; onCreated(task: Task): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const step = draft.step;

  useEffect(() => saveDraft(draft), [draft]);
  // a new step is announced by moving focus to its title (not on opening: the first field has it then)
  const shownStep = useRef(step);
  useEffect(() => {
    if (shownStep.current !== step) heading.current?.focus();
    shownStep.current = step;
  }, [step]);

  const change = (p: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...p }));
    // a changed field's old verdict no longer holds
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([f]) => !(f in p) && f !== 'form')) as Errors);
  };
  const close = () => {
    forgetDraft();
    onClose();
  };
  const goTo = (s: Step) => setDraft((d) => ({ ...d, step: s }));

  /** Errors the API placed on earlier steps send the user back to the first of them. */
  const show = (found: Errors) => {
    setErrors(found);
    const steps = Object.keys(found).map((f) => stepOf(f as Field));
    if (steps.length > 0) goTo(Math.min(step, ...steps) as Step);
  };

  const next = async () => {
    setBusy(true);
    try {
      const found = await checkStep(step, draft);
      if (Object.keys(found).length > 0) show(found);
      else {
        setErrors({});
        goTo((step + 1) as Step);
      }
    } catch (err) {
      setErrors({ form: { text: taskProblem(t, err) } });
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    try {
      // without dryRun the answer is the 201's Task (the 200 of the document is the dry run's)
      const task = (await unwrap(api.POST('/v1/tasks', { params: { header: { 'Idempotency-Key': draft.idempotencyKey } }, body: toBody(draft) }))) as Task;
      forgetDraft();
      await queries.invalidateQueries({ queryKey: ['tasks'] });
      onCreated(task);
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401) {
        // refused, so nothing was made: the corrected draft is a new request and needs a new key
        setDraft((d) => ({ ...d, idempotencyKey: crypto.randomUUID() }));
        const placed = placeApiError(err);
        show('form' in placed ? { form: { text: taskProblem(t, err) } } : placed);
      } else setErrors({ form: { text: taskProblem(t, err) } });
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  return (
    <FormDialog title={t('tasks.wizard.title')} isOpen onOpenChange={(open) => !open && close()} wide>
      {() => (
        <Form
          className="task-wizard"
          validationBehavior="aria"
          onSubmit={(e) => {
            e.preventDefault();
            void (step === 4 ? submit() : next());
          }}
        >
          <ol className="wizard-steps" aria-label={t('tasks.wizard.steps')}>
            {([1, 2, 3, 4] as const).map((s) => (
              <li key={s} aria-current={s === step ? 'step' : undefined} className={s < step ? 'done' : undefined}>
                {t(TITLES[s])}
              </li>
            ))}
          </ol>
          <h4 ref={heading} tabIndex={-1} className="wizard-step-title">
            {t('tasks.wizard.step', { step, title: t(TITLES[step]) })}
          </h4>
          {restored && <p className="field-description">{t('tasks.wizard.restored')}</p>}
          {step === 1 && <StepName draft={draft} change={change} errors={errors} />}
          {step === 2 && <StepRecording draft={draft} change={change} errors={errors} />}
          {step === 3 && <StepSend draft={draft} change={change} errors={errors} />}
          {step === 4 && <StepSummary draft={draft} change={change} errors={errors} />}
          {step < 4 && errors.form && (
            <p role="alert" className="error">
              {errorOf(t, errors, 'form')}
            </p>
          )}
          <div className="dialog-buttons">
            <Button className="button" onPress={close}>
              {t('common.cancel')}
            </Button>
            {step > 1 && (
              <Button className="button" onPress={() => goTo((step - 1) as Step)} isDisabled={busy}>
                {t('tasks.wizard.back')}
              </Button>
            )}
            <Button type="submit" className="button primary" isDisabled={busy}>
              {step === 4 ? (busy ? t('tasks.wizard.submitting') : t('tasks.wizard.submit')) : busy ? t('tasks.wizard.checking') : t('tasks.wizard.next')}
            </Button>
          </div>
        </Form>
      )}
    </FormDialog>
  );
}
