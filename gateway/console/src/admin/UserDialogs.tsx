import { useState, type FormEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import type { Role } from '../api/session-types';
import { FormDialog } from '../components/FormDialog';
import { SelectField } from '../components/SelectField';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { Checkbox } from './Checkbox';
import { adminProblem, problemCode } from './problems';
import { grantableRoles, roleKey } from './roles';
import type { User } from './types';

/** What every user dialog does with its request: busy while it runs, the error kept to show, close on success. */
function useSubmit(onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (e: FormEvent, request: () => Promise<unknown>) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await request();
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** The dialog's error when it belongs to no field (LAST_OWNER, FORBIDDEN…), in words. */
function DialogError({ error, placed }: { error: unknown; placed: boolean }) {
  const { t } = useI18n();
  if (!error || placed) return null;
  return (
    <p role="alert" className="error">
      {adminProblem(t, error)}
    </p>
  );
}

function Buttons({ busy, close }: { busy: boolean; close(): void }) {
  const { t } = useI18n();
  return (
    <div className="dialog-buttons">
      <Button className="button" onPress={close}>
        {t('common.cancel')}
      </Button>
      <Button type="submit" className="button primary" isDisabled={busy}>
        {busy ? t('common.saving') : t('common.confirm')}
      </Button>
    </div>
  );
}

function RoleField({ caller, role, onSelect }: { caller: Role; role: Role; onSelect(r: Role): void }) {
  const { t } = useI18n();
  const offered = grantableRoles(caller);
  return <SelectField label={t('users.role')} options={offered.map((r) => ({ id: r, label: t(roleKey(r)) }))} selected={role} onSelect={(id) => onSelect(offered.find((r) => r === id) ?? role)} />;
}

/** "Add": email, name, role (none above the caller's), password with its 12–128 rule. */
export function AddUserDialog({ caller, isOpen, onOpenChange, onDone }: { caller: Role; isOpen: boolean; onOpenChange(o: boolean): void; onDone(): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const submit = useSubmit(() => {
    setEmail('');
    setName('');
    setPassword('');
    onOpenChange(false);
    onDone();
  });
  const emailTaken = problemCode(submit.error) === 'EMAIL_TAKEN' ? adminProblem(t, submit.error) : undefined;
  const emailError = emailTaken ?? fieldError(submit.error, 'email');
  const nameError = fieldError(submit.error, 'name');
  const passwordError = fieldError(submit.error, 'password');
  return (
    <FormDialog title={t('users.add.title')} isOpen={isOpen} onOpenChange={onOpenChange}>
      {(close) => (
        <Form className="form" validationBehavior="aria" onSubmit={(e) => void submit.run(e, () => unwrap(api.POST('/v1/users', { body: { email, name, role, password } })))}>
          <TextField label={t('users.email')} type="email" value={email} onChange={setEmail} error={emailError} isRequired autoFocus />
          <TextField label={t('users.name')} value={name} onChange={setName} error={nameError} isRequired />
          <RoleField caller={caller} role={role} onSelect={setRole} />
          <TextField label={t('users.password')} type="password" description={t('users.password.rule')} value={password} onChange={setPassword} error={passwordError} isRequired />
          <DialogError error={submit.error} placed={!!(emailError || nameError || passwordError)} />
          <Buttons busy={submit.busy} close={close} />
        </Form>
      )}
    </FormDialog>
  );
}

/** "Edit": name, role and whether the user is disabled; only what changed is sent. */
export function EditUserDialog({ caller, user, onClose, onDone }: { caller: Role; user: User; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);
  const [disabled, setDisabled] = useState(user.disabled);
  const submit = useSubmit(() => {
    onClose();
    onDone();
  });
  const body = { ...(name !== user.name ? { name } : {}), ...(role !== user.role ? { role } : {}), ...(disabled !== user.disabled ? { disabled } : {}) };
  const nameError = fieldError(submit.error, 'name');
  return (
    <FormDialog title={t('users.edit.title', { email: user.email })} isOpen onOpenChange={(o) => !o && onClose()}>
      {(close) => (
        <Form className="form" validationBehavior="aria" onSubmit={(e) => void submit.run(e, () => unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id: user.id } }, body })))}>
          <TextField label={t('users.name')} value={name} onChange={setName} error={nameError} isRequired autoFocus />
          <RoleField caller={caller} role={role} onSelect={setRole} />
          <Checkbox label={t('users.disabled')} isSelected={disabled} onChange={setDisabled} />
          <DialogError error={submit.error} placed={!!nameError} />
          <Buttons busy={submit.busy} close={close} />
        </Form>
      )}
    </FormDialog>
  );
}

/** "Set Password": a new password (12–128); the user's sessions end. */
export function PasswordDialog({ user, onClose, onDone }: { user: User; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const submit = useSubmit(() => {
    onClose();
    onDone();
  });
  const passwordError = fieldError(submit.error, 'password');
  return (
    <FormDialog title={t('users.password.title', { email: user.email })} isOpen onOpenChange={(o) => !o && onClose()}>
      {(close) => (
        <Form className="form" validationBehavior="aria" onSubmit={(e) => void submit.run(e, () => unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id: user.id } }, body: { password } })))}>
          <TextField label={t('users.newPassword')} type="password" description={t('users.password.rule')} value={password} onChange={setPassword} error={passwordError} isRequired autoFocus />
          <p>{t('users.password.sessionsEnd')}</p>
          <DialogError error={submit.error} placed={!!passwordError} />
          <Buttons busy={submit.busy} close={close} />
        </Form>
      )}
    </FormDialog>
  );
}
