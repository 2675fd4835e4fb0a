import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Button } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import { FormDialog } from '../components/FormDialog';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { baseName, RECORDING_FILE } from './files';
import { FilePicker } from './FilePicker';
import { toFormData } from './multipart';
import { libraryProblem } from './problems';
import type { Recording } from './types';

/** Recording Files › "Add": "Select File" (MP3, checked before upload), "Recording Name" (the file's name unless typed), "Confirm". */
export function RecordingUploadDialog({ isOpen, onOpenChange }: { isOpen: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useI18n();
  return (
    <FormDialog title={t('recordings.addTitle')} isOpen={isOpen} onOpenChange={onOpenChange}>
      {(close) => <Upload close={close} />}
    </FormDialog>
  );
}

/** Recording Files › "Rename": "Recording Name", "Confirm". */
export function RecordingRenameDialog({ recording, isOpen, onOpenChange }: { recording?: Recording; isOpen: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useI18n();
  return (
    <FormDialog title={t('recordings.renameTitle')} isOpen={isOpen} onOpenChange={onOpenChange}>
      {(close) => recording && <Rename recording={recording} close={close} />}
    </FormDialog>
  );
}

function useSubmit(run: () => Promise<unknown>, close: () => void) {
  const queries = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      await queries.invalidateQueries({ queryKey: ['recordings'] });
      close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

function Upload({ close }: { close(): void }) {
  const { t } = useI18n();
  const [file, setFile] = useState<File | undefined>();
  const [name, setName] = useState('');
  const [missingFile, setMissingFile] = useState(false);
  const rule = useId();
  const { busy, error, submit } = useSubmit(async () => {
    if (file) await unwrap(api.POST('/v1/recordings', { body: { name: name.trim() || undefined, file }, bodySerializer: (b) => toFormData(b) }));
  }, close);
  const nameError = fieldError(error, 'name');
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        setMissingFile(!file);
        if (file) void submit();
      }}
    >
      <fieldset className="file-section">
        <legend>{t('recordings.field.file')}</legend>
        <p className="field-description" id={rule}>
          {t('recordings.field.fileRule')}
        </p>
        <FilePicker
          rule={RECORDING_FILE}
          file={file}
          describedBy={rule}
          onChange={(f) => {
            setFile(f);
            if (f && !name) setName(baseName(f.name));
          }}
        />
        {missingFile && (
          <p role="alert" className="error">
            {t('library.file.missing')}
          </p>
        )}
      </fieldset>
      <TextField label={t('recordings.field.name')} value={name} onChange={setName} description={t('recordings.field.nameRule')} error={nameError} />
      {error !== undefined && !nameError && (
        <p role="alert" className="error">
          {libraryProblem(t, error)}
        </p>
      )}
      <div className="dialog-buttons">
        <Button className="button" onPress={close}>
          {t('common.cancel')}
        </Button>
        <Button type="submit" className="button primary" isDisabled={busy}>
          {busy ? t('recordings.uploading') : t('common.confirm')}
        </Button>
      </div>
    </form>
  );
}

function Rename({ recording, close }: { recording: Recording; close(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState(recording.name);
  const { busy, error, submit } = useSubmit(() => unwrap(api.PATCH('/v1/recordings/{id}', { params: { path: { id: recording.id } }, body: { name } })), close);
  const nameError = fieldError(error, 'name');
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <TextField label={t('recordings.field.name')} value={name} onChange={setName} description={t('recordings.field.nameRule')} error={nameError} isRequired autoFocus />
      {error !== undefined && !nameError && (
        <p role="alert" className="error">
          {libraryProblem(t, error)}
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
