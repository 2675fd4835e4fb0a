import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from 'react-aria-components';
import { api, ApiError, unwrap } from '../api/client';
import { LoadError } from '../admin/LoadError';
import { SaveResult } from '../components/SaveResult';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/languages';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import { formatDateTime } from '../time/zone';
import { checkBlackouts, MAX_BLACKOUTS, newBlackout, placeApiErrors, toBody, toDraft, type BlackoutDraft, type BlackoutErrors, type BlackoutField } from './calendar';
import { policyProblem } from './problems';
import type { Blackout } from './types';

const PROBLEM: Record<string, MessageKey> = { impossible: 'calendar.error.impossible', reversed: 'calendar.error.reversed', required: 'common.required' };

/**
 * The tenant's blackout calendar (admin): dates and ranges no task dials on (in each task's own
 * zone) unless it says otherwise; edited by admins here, then saved at once with "Save" (`PUT
 * /v1/calendar`); every other role reads it.
 */
export function CalendarEditor() {
  const { t } = useI18n();
  const me = useMe();
  const calendar = useQuery({ queryKey: ['calendar'], queryFn: () => unwrap(api.GET('/v1/calendar')) });
  if (calendar.isPending || !me.data) return <p>{t('common.loading')}</p>;
  if (!calendar.data) return <LoadError error={calendar.error} />;
  if (!can(me.data.role, 'admin')) return <ReadOnly blackouts={calendar.data.blackouts} />;
  return <Editor initial={calendar.data.blackouts.map(toDraft)} updatedAt={calendar.data.updatedAt} />;
}

function ReadOnly({ blackouts }: { blackouts: readonly Blackout[] }) {
  const { t } = useI18n();
  return (
    <>
      <p>{t('calendar.intro')}</p>
      {blackouts.length === 0 ? (
        <p>{t('calendar.empty')}</p>
      ) : (
        <ul aria-label={t('calendar.title')}>
          {blackouts.map((b, i) => (
            <li key={i}>{b.date ? t('calendar.read.date', { date: b.date, name: b.name }) : t('calendar.read.range', { from: b.from ?? '', to: b.to ?? '', name: b.name })}</li>
          ))}
        </ul>
      )}
      <p className="field-description">{t('calendar.adminOnly')}</p>
    </>
  );
}

function Editor({ initial, updatedAt }: { initial: BlackoutDraft[]; updatedAt: string | null }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [list, setList] = useState(initial);
  const [errors, setErrors] = useState<BlackoutErrors>(new Map());
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const edit = (key: string, p: Partial<BlackoutDraft>) => {
    setSaved(false);
    setList((l) => l.map((b) => (b.key === key ? { ...b, ...p } : b)));
  };
  const add = (kind: BlackoutDraft['kind']) => {
    setSaved(false);
    setList((l) => [...l, newBlackout(kind)]);
  };
  const remove = (key: string) => {
    setSaved(false);
    setList((l) => l.filter((b) => b.key !== key));
  };
  const save = async () => {
    setSaved(false);
    setFormError(undefined);
    const local = checkBlackouts(list);
    setErrors(local);
    if (list.length > MAX_BLACKOUTS) return setFormError(t('calendar.error.tooMany', { max: MAX_BLACKOUTS, count: list.length }));
    if (local.size > 0) return setFormError(t('calendar.error.fix'));
    setBusy(true);
    try {
      const answer = await unwrap(api.PUT('/v1/calendar', { body: { blackouts: toBody(list) } }));
      queries.setQueryData(['calendar'], answer);
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError && err.problem.errors?.length) {
        const { placed, rest } = placeApiErrors(list, err.problem.errors);
        setErrors(placed);
        setFormError(rest.length > 0 ? rest.join(' ') : t('calendar.error.fix'));
      } else setFormError(policyProblem(t, err));
    } finally {
      setBusy(false);
    }
  };
  const said = (key: string, f: BlackoutField) => {
    const e = errors.get(key)?.[f];
    if (!e) return undefined;
    return typeof e === 'string' ? t(PROBLEM[e]) : e.text;
  };

  return (
    <>
      <p>{t('calendar.intro')}</p>
      <p className="field-description">{t('calendar.updated', { at: updatedAt ? formatDateTime(updatedAt) : t('calendar.neverSaved') })}</p>
      {list.length === 0 && <p>{t('calendar.empty')}</p>}
      <ol className="policy-blackouts">
        {list.map((b, i) => (
          <li key={b.key}>
            <fieldset className="admin-fieldset policy-blackout">
              <legend>{b.kind === 'date' ? t('calendar.entry.date', { n: i + 1 }) : t('calendar.entry.range', { n: i + 1 })}</legend>
              <div className="policy-row">
                {b.kind === 'date' ? (
                  <TextField label={t('calendar.date')} value={b.date} onChange={(date) => edit(b.key, { date })} description={t('calendar.date.rule')} error={said(b.key, 'date')} />
                ) : (
                  <>
                    <TextField label={t('calendar.from')} value={b.from} onChange={(from) => edit(b.key, { from })} description={t('calendar.date.rule')} error={said(b.key, 'from')} />
                    <TextField label={t('calendar.to')} value={b.to} onChange={(to) => edit(b.key, { to })} description={t('calendar.to.rule')} error={said(b.key, 'to')} />
                  </>
                )}
                <TextField label={t('calendar.name')} value={b.name} onChange={(name) => edit(b.key, { name })} error={said(b.key, 'name')} />
              </div>
              <Button className="button" onPress={() => remove(b.key)} aria-label={t('calendar.remove.named', { n: i + 1 })}>
                {t('calendar.remove')}
              </Button>
            </fieldset>
          </li>
        ))}
      </ol>
      <div className="toolbar policy-buttons">
        <Button className="button" onPress={() => add('date')}>
          {t('calendar.addDate')}
        </Button>
        <Button className="button" onPress={() => add('range')}>
          {t('calendar.addRange')}
        </Button>
        <Button className="button primary" onPress={() => void save()} isDisabled={busy}>
          {busy ? t('common.saving') : t('calendar.save')}
        </Button>
      </div>
      <SaveResult error={formError} saved={saved ? t('calendar.saved') : undefined} />
    </>
  );
}
