import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Button, Link } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import { FormDialog } from '../components/FormDialog';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { ROSTER_FILE } from './files';
import { FilePicker } from './FilePicker';
import { toFormData } from './multipart';
import { libraryProblem } from './problems';
import { errorsXlsxUrl, RosterCounts, TEMPLATE_URL } from './RosterCounts';
import type { Roster } from './types';
import { ValidationBar } from './ValidationBar';

/**
 * Task Roster › "Add": "Roster Name", "Description", "Phone Number File" ("Download Template", "Select File"),
 * "Confirm" uploads; then the dialog follows the validation (`processedRows`) to its counts and "Download Errors".
 */
export function RosterAddDialog({ isOpen, onOpenChange }: { isOpen: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useI18n();
  return (
    <FormDialog title={t('rosters.addTitle')} isOpen={isOpen} onOpenChange={onOpenChange} wide>
      {(close) => <RosterAdd close={close} />}
    </FormDialog>
  );
}

function RosterAdd({ close }: { close(): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [file, setFile] = useState<File | undefined>();
  const [missingFile, setMissingFile] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [uploaded, setUploaded] = useState<Roster | undefined>();
  const rule = useId();

  const submit = async () => {
    setError(undefined);
    setMissingFile(!file);
    if (!file) return;
    setBusy(true);
    try {
      const roster = await unwrap(
        api.POST('/v1/rosters', {
          body: { name, description: description || undefined, file },
          bodySerializer: (b) => toFormData(b),
        }),
      );
      setUploaded(roster);
      await queries.invalidateQueries({ queryKey: ['rosters'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (uploaded) return <Validation first={uploaded} close={close} />;

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
      <fieldset className="file-section">
        <legend>{t('rosters.field.file')}</legend>
        <p id={rule} className="field-description">
          {t('rosters.field.fileRule')}
        </p>
        <Link className="button" href={TEMPLATE_URL} download="roster-template.xlsx">
          {t('rosters.downloadTemplate')}
        </Link>
        <FilePicker rule={ROSTER_FILE} file={file} onChange={setFile} describedBy={rule} />
        {missingFile && (
          <p role="alert" className="error">
            {t('library.file.missing')}
          </p>
        )}
      </fieldset>
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
          {busy ? t('rosters.uploading') : t('common.confirm')}
        </Button>
      </div>
    </form>
  );
}

/** After the upload: the validation's progress (polled), then the counts and "Download Errors". */
function Validation({ first, close }: { first: Roster; close(): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const roster = useQuery({
    queryKey: ['roster', first.id],
    queryFn: async () => {
      const r = await unwrap(api.GET('/v1/rosters/{id}', { params: { path: { id: first.id } } }));
      if (r.status !== 'validating') await queries.invalidateQueries({ queryKey: ['rosters'] });
      return r;
    },
    initialData: first,
    refetchInterval: (q) => (q.state.data?.status === 'validating' ? 500 : false),
  });
  const r = roster.data;
  return (
    <div className="form">
      {r.status === 'validating' ? (
        <ValidationBar label={t('rosters.validating')} processedRows={r.progress.processedRows} showLabel />
      ) : (
        <>
          <p aria-live="polite">{r.status === 'ready' ? t('rosters.validated', { total: r.counts.totalRows }) : t('rosters.notValidated')}</p>
          <RosterCounts roster={r} />
        </>
      )}
      {roster.isError && (
        <p role="alert" className="error">
          {libraryProblem(t, roster.error)}
        </p>
      )}
      <div className="dialog-buttons">
        {r.status === 'ready' && r.counts.invalid + r.counts.duplicate > 0 && (
          <Link className="button" href={errorsXlsxUrl(r.id)} download={`${r.name}-errors.xlsx`}>
            {t('rosters.downloadErrors')}
          </Link>
        )}
        <Button className="button primary" onPress={close}>
          {t('common.close')}
        </Button>
      </div>
    </div>
  );
}
