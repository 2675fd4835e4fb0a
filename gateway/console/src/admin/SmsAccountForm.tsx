import { fieldError } from '../api/problem';
import { SelectField } from '../components/SelectField';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { adminProblem, problemCode } from './problems';

export interface AccountDraft {
  provider: 'simulated' | 'http';
  senderId: string;
  status: 'active' | 'inactive';
  url: string;
  username: string;
  /** typed anew, never read back: empty means "keep the stored one" */
  password: string;
  apiKey: string;
  timeoutMs: string;
}

/** The API's body fields this form has, for putting a 400's `errors[]` on the right field. */
const FIELDS = ['senderId', 'settings.url', 'settings.username', 'settings.password', 'settings.apiKey', 'settings.timeoutMs'] as const;

/**
 * The SMS account's fields. Secrets are write-only: each says whether one is stored and that leaving
 * it empty keeps it; the value is never shown (the API never returns it).
 */
export function SmsAccountForm({ draft, onChange, error, secrets }: { draft: AccountDraft; onChange(d: AccountDraft): void; error: unknown; secrets: { password: boolean; apiKey: boolean } }) {
  const { t } = useI18n();
  const set = (patch: Partial<AccountDraft>) => onChange({ ...draft, ...patch });
  const on = (field: (typeof FIELDS)[number]) => fieldError(error, field);
  const urlRefused = problemCode(error) === 'SMS_PROVIDER_URL_FORBIDDEN' ? adminProblem(t, error) : undefined;
  const placed = FIELDS.some((f) => on(f)) || !!urlRefused;
  const secretRule = (isSet: boolean) => t(isSet ? 'smsAccount.secret.keep' : 'smsAccount.secret.none');
  return (
    <>
      <SelectField
        label={t('smsAccount.provider')}
        options={[
          { id: 'simulated', label: t('smsAccount.provider.simulated') },
          { id: 'http', label: t('smsAccount.provider.http') },
        ]}
        selected={draft.provider}
        onSelect={(id) => set({ provider: id === 'http' ? 'http' : 'simulated' })}
      />
      <TextField label={t('smsAccount.senderId')} description={t('smsAccount.senderId.rule')} value={draft.senderId} onChange={(v) => set({ senderId: v })} error={on('senderId')} isRequired />
      <SelectField
        label={t('smsAccount.status')}
        options={[
          { id: 'active', label: t('smsAccount.status.active') },
          { id: 'inactive', label: t('smsAccount.status.inactive') },
        ]}
        selected={draft.status}
        onSelect={(id) => set({ status: id === 'active' ? 'active' : 'inactive' })}
      />
      {draft.provider === 'http' && (
        <fieldset className="admin-fieldset">
          <legend>{t('smsAccount.settings')}</legend>
          <TextField label={t('smsAccount.url')} type="url" value={draft.url} onChange={(v) => set({ url: v })} error={on('settings.url') ?? urlRefused} isRequired />
          <TextField label={t('smsAccount.username')} value={draft.username} onChange={(v) => set({ username: v })} error={on('settings.username')} />
          <TextField label={t('smsAccount.password')} type="password" description={secretRule(secrets.password)} value={draft.password} onChange={(v) => set({ password: v })} error={on('settings.password')} />
          <TextField label={t('smsAccount.apiKey')} type="password" description={secretRule(secrets.apiKey)} value={draft.apiKey} onChange={(v) => set({ apiKey: v })} error={on('settings.apiKey')} />
          <TextField label={t('smsAccount.timeoutMs')} description={t('smsAccount.timeoutMs.rule')} value={draft.timeoutMs} onChange={(v) => set({ timeoutMs: v.replace(/\D/g, '') })} error={on('settings.timeoutMs')} />
        </fieldset>
      )}
      {!!error && !placed && (
        <p role="alert" className="error">
          {adminProblem(t, error)}
        </p>
      )}
    </>
  );
}
