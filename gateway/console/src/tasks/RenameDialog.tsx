import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { api, ApiError, unwrap, type Task } from '../api/client';
import { fieldError, problemMessage } from '../api/problem';
import { FormDialog } from '../components/FormDialog';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { nameProblem } from './taskName';

/** "Edit" (mounted per opening, so it starts from the task's name) → "Task Name" and "Confirm" (PATCH): the rule checked as typed, the API's verdict on the field. */
export function RenameDialog({ task, onClose }: { task: Task; onClose(): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [name, setName] = useState(task.name);
  const [apiError, setApiError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const live = nameProblem(name);
  const fieldText = live ? t(live.key, live.values) : apiError instanceof ApiError && apiError.problem.code === 'TASK_NAME_INVALID' ? apiError.message : fieldError(apiError, 'name');
  const other = apiError && !fieldText ? problemMessage(t, apiError) : undefined;
  return (
    <FormDialog title={t('tasks.edit.title')} isOpen onOpenChange={(open) => !open && onClose()}>
      {(close) => (
        <Form
          validationBehavior="aria"
          onSubmit={async (e) => {
            e.preventDefault();
            if (live) return;
            setBusy(true);
            setApiError(undefined);
            try {
              await unwrap(api.PATCH('/v1/tasks/{id}', { params: { path: { id: task.id } }, body: { name } }));
              await queries.invalidateQueries({ queryKey: ['tasks'] });
              close();
            } catch (err) {
              setApiError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <TextField
            label={t('tasks.field.name')}
            value={name}
            onChange={(v) => {
              setName(v);
              setApiError(undefined);
            }}
            description={t('tasks.name.rule')}
            error={fieldText}
            isRequired
            autoFocus
          />
          {other && (
            <p role="alert" className="error">
              {other}
            </p>
          )}
          <div className="dialog-buttons">
            <Button className="button" onPress={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" className="button primary" isDisabled={busy}>
              {busy ? t('common.saving') : t('common.confirm')}
            </Button>
          </div>
        </Form>
      )}
    </FormDialog>
  );
}
