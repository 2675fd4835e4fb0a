import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import { FormDialog } from '../components/FormDialog';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { libraryProblem } from './problems';
import type { Roster } from './types';

/** Task Roster › "Edit": "Roster Name", "Description", "Confirm" (`PATCH /v1/rosters/{id}`). */
export function RosterEditDialog({ roster, isOpen, onOpenChange }: { roster?: Roster; isOpen: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useI18n();
  return (
    <FormDialog title={t('rosters.editTitle')} isOpen={isOpen} onOpenChange={onOpenChange}>
      {(close) => roster && <RosterEdit roster={roster} close={close} />}
    </FormDialog>
  );
}

function RosterEdit({ roster, close }: { roster: Roster; close(): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [name, setName] = useState(roster.name);
  const [description, setDescription] = useState(roster.description ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // an emptied description is removed (null), not kept as ""
      await unwrap(api.PATCH('/v1/rosters/{id}', { params: { path: { id: roster.id } }, body: { name, description: description || null } }));
      await queries.invalidateQueries({ queryKey: ['rosters'] });
      close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const nameError = fieldError(error, 'name');
  const descriptionError = fieldError(error, 'description');
  const general = error && !nameError && !descriptionError ? libraryProblem(t, error) : undefined;
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <TextField label={t('rosters.field.name')} value={name} onChange={setName} description={t('rosters.field.nameRule')} error={nameError} isRequired autoFocus />
      <TextField label={t('rosters.field.description')} value={description} onChange={setDescription} description={t('rosters.field.descriptionRule')} error={descriptionError} multiline />
      {general && (
        <p role="alert" className="error">
          {general}
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
    </form>
  );
}
