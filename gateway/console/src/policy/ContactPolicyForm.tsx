import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from 'react-aria-components';
import { api, ApiError, unwrap } from '../api/client';
import { LoadError } from '../admin/LoadError';
import { SaveResult } from '../components/SaveResult';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import { formatDateTime } from '../time/zone';
import { CAP_FIELDS, checkCaps, MAX_CAP, MIN_CAP, placeCapErrors, toCapDraft, type CapErrors, type CapField } from './contactPolicy';
import { policyProblem } from './problems';
import type { ContactPolicy } from './types';

const LABEL = { maxCallsPerNumberPerDay: 'contactPolicy.calls', maxSmsPerNumberPerDay: 'contactPolicy.sms' } as const;

/**
 * The tenant's contact policy: at most so many calls and SMS per number per day across all its
 * tasks (`/v1/contact-policy`); admins set each cap ("no cap" when empty, else 1–10) and save it,
 * every other role reads it.
 */
export function ContactPolicyForm() {
  const { t } = useI18n();
  const me = useMe();
  const policy = useQuery({ queryKey: ['contact-policy'], queryFn: () => unwrap(api.GET('/v1/contact-policy')) });
  if (policy.isPending || !me.data) return <p>{t('common.loading')}</p>;
  if (!policy.data) return <LoadError error={policy.error} />;
  if (!can(me.data.role, 'admin')) return <ReadOnly policy={policy.data} />;
  return <Editor policy={policy.data} />;
}

function ReadOnly({ policy }: { policy: ContactPolicy }) {
  const { t } = useI18n();
  return (
    <>
      <p>{t('contactPolicy.intro')}</p>
      <dl className="policy-caps">
        {CAP_FIELDS.map((f) => (
          <div key={f}>
            <dt>{t(LABEL[f])}</dt>
            <dd>{policy[f] === null ? t('contactPolicy.noCap') : policy[f]}</dd>
          </div>
        ))}
      </dl>
      <p className="field-description">{t('contactPolicy.adminOnly')}</p>
    </>
  );
}

function Editor({ policy }: { policy: ContactPolicy }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [draft, setDraft] = useState(() => toCapDraft(policy));
  const [errors, setErrors] = useState<CapErrors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const edit = (f: CapField, v: string) => {
    setSaved(false);
    setErrors((e) => ({ ...e, [f]: undefined }));
    setDraft((d) => ({ ...d, [f]: v }));
  };
  const save = async () => {
    setSaved(false);
    setFormError(undefined);
    const { errors: local, body } = checkCaps(draft);
    setErrors(local);
    if (!body) return;
    setBusy(true);
    try {
      const answer = await unwrap(api.PUT('/v1/contact-policy', { body }));
      queries.setQueryData(['contact-policy'], answer);
      setDraft(toCapDraft(answer));
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError && err.problem.errors?.length) {
        const { placed, rest } = placeCapErrors(err.problem.errors);
        setErrors(placed);
        if (rest.length > 0) setFormError(rest.join(' '));
      } else setFormError(policyProblem(t, err));
    } finally {
      setBusy(false);
    }
  };
  const said = (f: CapField) => {
    const e = errors[f];
    if (!e) return undefined;
    return e === 'range' ? t('contactPolicy.error.range', { min: MIN_CAP, max: MAX_CAP }) : e.text;
  };

  return (
    <>
      <p>{t('contactPolicy.intro')}</p>
      <p className="field-description">{t('calendar.updated', { at: policy.updatedAt ? formatDateTime(policy.updatedAt) : t('calendar.neverSaved') })}</p>
      <div className="policy-row policy-caps-form">
        {CAP_FIELDS.map((f) => (
          <TextField key={f} label={t(LABEL[f])} value={draft[f]} onChange={(v) => edit(f, v)} description={t('contactPolicy.rule', { min: MIN_CAP, max: MAX_CAP })} error={said(f)} />
        ))}
      </div>
      <div className="toolbar policy-buttons">
        <Button className="button primary" onPress={() => void save()} isDisabled={busy}>
          {busy ? t('common.saving') : t('contactPolicy.save')}
        </Button>
      </div>
      <SaveResult error={formError} saved={saved ? t('contactPolicy.saved') : undefined} />
    </>
  );
}
