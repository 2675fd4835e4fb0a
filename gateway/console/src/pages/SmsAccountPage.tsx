import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/schema';
import { LoadError } from '../admin/LoadError';
import { SmsAccountForm, type AccountDraft } from '../admin/SmsAccountForm';
import { TextField } from '../components/TextField';
import { fieldError } from '../api/problem';
import { useI18n } from '../i18n/i18n';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import { formatDateTime } from '../time/zone';
import '../styles/admin.css';

type Account = paths['/v1/sms-account']['get']['responses'][200]['content']['application/json'];
type PutBody = paths['/v1/sms-account']['put']['requestBody']['content']['application/json'];

const draftOf = (a: Account): AccountDraft => ({
  provider: a.provider,
  senderId: a.senderId ?? '',
  status: a.status,
  url: a.settings?.url ?? '',
  username: a.settings?.username ?? '',
  password: '',
  apiKey: '',
  timeoutMs: a.settings?.timeoutMs === undefined ? '' : String(a.settings.timeoutMs),
});

/** The opt-out keywords as typed: comma-separated, blanks dropped. */
const keywordsOf = (text: string) => text.split(',').map((k) => k.trim()).filter((k) => k !== '');

/**
 * The PUT body of a draft. A secret left empty is left out, which the API reads as "keep the stored
 * one" (for the same provider and URL; a new URL drops it, and the API says so).
 */
function bodyOf(d: AccountDraft, optOutKeywords: string): PutBody {
  const body: PutBody = { provider: d.provider, senderId: d.senderId, status: d.status, optOutKeywords: keywordsOf(optOutKeywords) };
  if (d.provider === 'http') {
    body.settings = { url: d.url };
    if (d.username) body.settings.username = d.username;
    if (d.password) body.settings.password = d.password;
    if (d.apiKey) body.settings.apiKey = d.apiKey;
    if (d.timeoutMs) body.settings.timeoutMs = Number(d.timeoutMs);
  }
  return body;
}

/** SMS Account (admin): the tenant's provider, sender id and status, and settings whose secrets are write-only ("set" / "not set"). */
export function SmsAccountPage() {
  const { t } = useI18n();
  const me = useMe();
  const account = useQuery({ queryKey: ['sms-account'], queryFn: () => unwrap(api.GET('/v1/sms-account')) });

  return (
    <>
      <h1>{t('nav.smsAccount')}</h1>
      <LoadError error={account.error} />
      {account.isPending && <p>{t('common.loading')}</p>}
      {account.data && <AccountEditor account={account.data} mayEdit={!!me.data && can(me.data.role, 'admin')} />}
    </>
  );
}

function AccountEditor({ account, mayEdit }: { account: Account; mayEdit: boolean }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [draft, setDraft] = useState<AccountDraft>(() => draftOf(account));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [keywords, setKeywords] = useState(() => account.optOutKeywords.join(', '));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const answer = await unwrap(api.PUT('/v1/sms-account', { body: bodyOf(draft, keywords) }));
      queries.setQueryData(['sms-account'], answer);
      setDraft(draftOf(answer));
      setKeywords(answer.optOutKeywords.join(', '));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <dl className="admin-facts" aria-label={t('smsAccount.current')}>
        <dt>{t('smsAccount.status')}</dt>
        <dd>{t(account.status === 'active' ? 'smsAccount.status.active' : 'smsAccount.status.inactive')}</dd>
        <dt>{t('smsAccount.password')}</dt>
        <dd>{t(account.settings?.passwordSet ? 'smsAccount.secret.set' : 'smsAccount.secret.notSet')}</dd>
        <dt>{t('smsAccount.apiKey')}</dt>
        <dd>{t(account.settings?.apiKeySet ? 'smsAccount.secret.set' : 'smsAccount.secret.notSet')}</dd>
        <dt>{t('smsAccount.callbackUrl')}</dt>
        <dd>{account.callbackUrl ?? t('smsAccount.callbackUrl.none')}</dd>
        <dt>{t('smsAccount.updated')}</dt>
        <dd>{account.updatedAt ? formatDateTime(account.updatedAt) : t('smsAccount.neverSaved')}</dd>
      </dl>
      <Form className="form admin-form" validationBehavior="aria" onSubmit={(e) => void submit(e)}>
        <SmsAccountForm draft={draft} onChange={setDraft} error={error} secrets={{ password: !!account.settings?.passwordSet, apiKey: !!account.settings?.apiKeySet }} />
        <TextField label={t('smsAccount.optOutKeywords')} description={t('smsAccount.optOutKeywords.rule')} value={keywords} onChange={setKeywords} error={fieldError(error, 'optOutKeywords')} />
        {saved && (
          <p role="status" className="admin-saved">
            {t('smsAccount.saved')}
          </p>
        )}
        {mayEdit && (
          <Button type="submit" className="button primary" isDisabled={busy}>
            {busy ? t('common.saving') : t('smsAccount.save')}
          </Button>
        )}
      </Form>
    </>
  );
}
