import { TextField } from '../../components/TextField';
import { useI18n } from '../../i18n/i18n';
import { nameProblem } from '../taskName';
import type { Errors } from './check';
import type { Draft } from './draft';
import { errorOf } from './said';

/** Step 1: "Task Name", its rule shown and checked as the user types (the API's rule, taskName.ts). */
export function StepName({ draft, change, errors }: { draft: Draft; change(p: Partial<Draft>): void; errors: Errors }) {
  const { t } = useI18n();
  const live = draft.name === '' ? undefined : nameProblem(draft.name);
  const error = live ? t(live.key, live.values) : errorOf(t, errors, 'name');
  return <TextField label={t('tasks.field.name')} value={draft.name} onChange={(name) => change({ name })} description={t('tasks.name.rule')} error={error} isRequired autoFocus />;
}
