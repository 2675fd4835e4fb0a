import { useState, type FormEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { SelectField, type Option } from '../components/SelectField';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { fromWibInput } from './wib';

/** The audit log's filters as the API takes them (`from`/`to` already ISO with the WIB offset). */
export interface AuditQuery {
  actorId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
}

const ANYONE = '*';

/**
 * The audit log's filters: the actor chosen from the tenant's users and keys, the action, resource
 * type and id as typed, and a time range typed in WIB. Applied together with "Apply", so typing
 * does not send a request per key.
 */
export function AuditFilters({ actors, onApply }: { actors: Option[]; onApply(q: AuditQuery): void }) {
  const { t } = useI18n();
  const [actorId, setActorId] = useState(ANYONE);
  const [action, setAction] = useState('');
  const [resourceType, setResourceType] = useState('');
  const [resourceId, setResourceId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const fromIso = from.trim() ? fromWibInput(from) : undefined;
  const toIso = to.trim() ? fromWibInput(to) : undefined;
  const [tried, setTried] = useState(false);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (fromIso === null || toIso === null) return;
    const q: AuditQuery = {};
    if (actorId !== ANYONE) q.actorId = actorId;
    if (action.trim()) q.action = action.trim();
    if (resourceType.trim()) q.resourceType = resourceType.trim();
    if (resourceId.trim()) q.resourceId = resourceId.trim();
    if (fromIso) q.from = fromIso;
    if (toIso) q.to = toIso;
    onApply(q);
  };
  const timeRule = t('audit.filter.timeRule');
  const badTime = t('audit.filter.badTime');

  return (
    <Form className="admin-filters" onSubmit={apply} aria-label={t('audit.filters')}>
      <SelectField className="filter" label={t('audit.filter.actor')} options={[{ id: ANYONE, label: t('audit.filter.anyone') }, ...actors]} selected={actorId} onSelect={setActorId} />
      <TextField label={t('audit.filter.action')} description={t('audit.filter.actionRule')} value={action} onChange={setAction} />
      <TextField label={t('audit.filter.resourceType')} value={resourceType} onChange={setResourceType} />
      <TextField label={t('audit.filter.resourceId')} value={resourceId} onChange={setResourceId} />
      <TextField label={t('audit.filter.from')} description={timeRule} value={from} onChange={setFrom} error={tried && fromIso === null ? badTime : undefined} />
      <TextField label={t('audit.filter.to')} description={timeRule} value={to} onChange={setTo} error={tried && toIso === null ? badTime : undefined} />
      <Button type="submit" className="button primary">
        {t('audit.filter.apply')}
      </Button>
    </Form>
  );
}
