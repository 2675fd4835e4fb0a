import { useState, type FormEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import type { Role } from '../api/session-types';
import { FormDialog } from '../components/FormDialog';
import { SelectField } from '../components/SelectField';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { adminProblem } from './problems';
import { grantableRoles, roleKey } from './roles';
import type { NewApiKey } from './types';

/**
 * "Add": a name and a role (none above the caller's); then the new key, shown this once (the API
 * stores only its hash), with "Copy" and the warning that it will not be shown again. Closing the
 * dialog forgets it.
 */
export function AddApiKeyDialog({ caller, isOpen, onOpenChange, onDone }: { caller: Role; isOpen: boolean; onOpenChange(o: boolean): void; onDone(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [made, setMade] = useState<NewApiKey>();
  const offered = grantableRoles(caller);

  const change = (open: boolean) => {
    if (!open) {
      setMade(undefined);
      setName('');
      setError(undefined);
    }
    onOpenChange(open);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setMade(await unwrap(api.POST('/v1/api-keys', { body: { name, role } })));
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const nameError = fieldError(error, 'name');

  return (
    <FormDialog title={made ? t('apiKeys.made.title', { name: made.name }) : t('apiKeys.add.title')} isOpen={isOpen} onOpenChange={change}>
      {(close) =>
        made ? (
          <ShownOnce secret={made.apiKey} label={t('apiKeys.made.key')} warning={t('apiKeys.made.warning')} close={close} />
        ) : (
          <Form className="form" onSubmit={(e) => void submit(e)}>
            <TextField label={t('apiKeys.name')} value={name} onChange={setName} error={nameError} isRequired autoFocus />
            <SelectField label={t('apiKeys.role')} options={offered.map((r) => ({ id: r, label: t(roleKey(r)) }))} selected={role} onSelect={(id) => setRole(offered.find((r) => r === id) ?? role)} />
            {!!error && !nameError && (
              <p role="alert" className="error">
                {adminProblem(t, error)}
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
        )
      }
    </FormDialog>
  );
}

/** A secret shown this once (an API key, a webhook's signing secret): the warning, the secret, "Copy" and "Close". */
export function ShownOnce({ secret, label, warning, close }: { secret: string; label: string; warning: string; close(): void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <>
      <p className="admin-warning">{warning}</p>
      <p>
        <code className="admin-secret" aria-label={label}>
          {secret}
        </code>
      </p>
      <p role="status" className="admin-saved">
        {copied === 'yes' ? t('apiKeys.copied') : copied === 'failed' ? t('apiKeys.copyFailed') : ''}
      </p>
      <div className="dialog-buttons">
        <Button className="button" onPress={() => void copy()}>
          {t('apiKeys.copy')}
        </Button>
        <Button className="button primary" onPress={close}>
          {t('common.close')}
        </Button>
      </div>
    </>
  );
}
