import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import { problemCode } from '../admin/problems';
import { FormButtons } from '../components/FormButtons';
import { FormDialog } from '../components/FormDialog';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { FilePicker } from '../library/FilePicker';
import { DNC_FILE } from '../library/files';
import { toFormData } from '../library/multipart';
import { policyProblem } from './problems';
import type { DncImportResult } from './types';

/** "Add": a number (as a roster would read it) and a reason; a number that is not one gets the API's INVALID_PHONE on its field. */
export function AddDncDialog({ isOpen, onOpenChange }: { isOpen: boolean; onOpenChange(o: boolean): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [phone, setPhone] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const change = (open: boolean) => {
    if (!open) {
      setPhone('');
      setReason('');
      setError(undefined);
    }
    onOpenChange(open);
  };
  const submit = async (e: FormEvent, close: () => void) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(api.POST('/v1/dnc', { body: { phone, ...(reason.trim() ? { reason } : {}) } }));
      await queries.invalidateQueries({ queryKey: ['dnc'] });
      close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const phoneError = problemCode(error) === 'INVALID_PHONE' ? t('dnc.error.invalidPhone') : fieldError(error, 'phone');
  const reasonError = fieldError(error, 'reason');
  return (
    <FormDialog title={t('dnc.add.title')} isOpen={isOpen} onOpenChange={change}>
      {(close) => (
        <Form className="form" onSubmit={(e) => void submit(e, close)}>
          <TextField label={t('dnc.col.phone')} type="tel" value={phone} onChange={setPhone} description={t('dnc.phone.rule')} error={phoneError} isRequired autoFocus />
          <TextField label={t('dnc.col.reason')} value={reason} onChange={setReason} error={reasonError} />
          {!!error && !phoneError && !reasonError && (
            <p role="alert" className="error">
              {policyProblem(t, error)}
            </p>
          )}
          <FormButtons close={close} busy={busy} />
        </Form>
      )}
    </FormDialog>
  );
}

/** "Import": an .xlsx with a phone column (as a roster's); then how many were added, already listed and invalid. */
export function ImportDncDialog({ isOpen, onOpenChange }: { isOpen: boolean; onOpenChange(o: boolean): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [file, setFile] = useState<File | undefined>();
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<DncImportResult>();
  const change = (open: boolean) => {
    if (!open) {
      setFile(undefined);
      setMissing(false);
      setError(undefined);
      setResult(undefined);
    }
    onOpenChange(open);
  };
  const submit = async () => {
    setError(undefined);
    setMissing(!file);
    if (!file) return;
    setBusy(true);
    try {
      setResult(await unwrap(api.POST('/v1/dnc/import', { body: { file }, bodySerializer: (b) => toFormData(b) })));
      await queries.invalidateQueries({ queryKey: ['dnc'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title={t('dnc.import.title')} isOpen={isOpen} onOpenChange={change}>
      {(close) =>
        result ? (
          <>
            <dl className="admin-facts" aria-label={t('dnc.import.result')}>
              <dt>{t('dnc.import.added')}</dt>
              <dd>{result.added}</dd>
              <dt>{t('dnc.import.alreadyListed')}</dt>
              <dd>{result.alreadyListed}</dd>
              <dt>{t('dnc.import.invalid')}</dt>
              <dd>{result.invalid}</dd>
            </dl>
            <div className="dialog-buttons">
              <Button className="button primary" onPress={close}>
                {t('common.close')}
              </Button>
            </div>
          </>
        ) : (
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <p className="field-description">{t('dnc.import.rule')}</p>
            <FilePicker rule={DNC_FILE} file={file} onChange={setFile} />
            {missing && (
              <p role="alert" className="error">
                {t('dnc.import.noFile')}
              </p>
            )}
            {!!error && (
              <p role="alert" className="error">
                {policyProblem(t, error)}
              </p>
            )}
            <FormButtons close={close} busy={busy} busyLabel={t('dnc.import.busy')} />
          </form>
        )
      }
    </FormDialog>
  );
}
