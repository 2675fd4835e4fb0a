import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { CursorPager, useCursorPages } from '../admin/cursor';
import { LoadError } from '../admin/LoadError';
import { smsReason } from '../admin/smsReasons';
import type { SmsMessage } from '../admin/types';
import { SelectField } from '../components/SelectField';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../time/zone';
import '../styles/admin.css';

const LIMIT = 50;
const ALL = 'all';
/** every status and kind the API gives a message (the filter offers each) */
const statuses = ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'skipped'] as const satisfies readonly SmsMessage['status'][];
const kinds = ['disconnect', 'unanswered', 'reply', 'optOutReply'] as const satisfies readonly SmsMessage['kind'][];
const pick = <V extends string>(list: readonly V[], v: string | null): V | undefined => list.find((x) => x === v);

/** SMS Messages (viewer and up): the follow-up SMS, newest first, with the API's filters (task, status, kind) kept in the URL; times in WIB; why one was skipped in words. */
export function SmsMessagesPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = pick(statuses, params.get('status'));
  const kind = pick(kinds, params.get('kind'));
  const taskId = params.get('taskId') ?? undefined;
  const filters = { ...(taskId ? { taskId } : {}), ...(status ? { status } : {}), ...(kind ? { kind } : {}) };
  const pages = useCursorPages(JSON.stringify(filters));

  const messages = useQuery({
    queryKey: ['sms-messages', filters, pages.cursor],
    queryFn: () => unwrap(api.GET('/v1/sms-messages', { params: { query: { limit: LIMIT, ...filters, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  // the task filter offers the tenant's latest tasks by name (the API filters by id)
  const tasks = useQuery({ queryKey: ['tasks', 'names'], queryFn: () => unwrap(api.GET('/v1/tasks', { params: { query: { page: 1, pageSize: 200 } } })), staleTime: 30_000 });
  const taskNames = new Map((tasks.data?.items ?? []).map((x) => [x.id, x.name]));

  const set = (name: string, value: string) => {
    const p = new URLSearchParams(params);
    if (value === ALL) p.delete(name);
    else p.set(name, value);
    setParams(p);
  };
  const all = { id: ALL, label: t('smsMessages.filter.all') };

  return (
    <>
      <h1>{t('nav.smsMessages')}</h1>
      <div className="toolbar">
        <SelectField className="filter" label={t('smsMessages.filter.task')} options={[all, ...[...taskNames].map(([id, name]) => ({ id, label: name }))]} selected={taskId ?? ALL} onSelect={(v) => set('taskId', v)} />
        <SelectField className="filter" label={t('smsMessages.filter.status')} options={[all, ...statuses.map((s) => ({ id: s, label: t(`smsMessages.status.${s}`) }))]} selected={status ?? ALL} onSelect={(v) => set('status', v)} />
        <SelectField className="filter" label={t('smsMessages.filter.kind')} options={[all, ...kinds.map((k) => ({ id: k, label: t(`smsMessages.kind.${k}`) }))]} selected={kind ?? ALL} onSelect={(v) => set('kind', v)} />
      </div>
      <LoadError error={messages.error} />
      <Table aria-label={t('smsMessages.table')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('smsMessages.col.phone')}</Column>
          <Column>{t('smsMessages.col.task')}</Column>
          <Column>{t('smsMessages.col.kind')}</Column>
          <Column>{t('smsMessages.col.status')}</Column>
          <Column>{t('smsMessages.col.text')}</Column>
          <Column>{t('smsMessages.col.segments')}</Column>
          <Column>{t('smsMessages.col.created')}</Column>
          <Column>{t('smsMessages.col.sent')}</Column>
          <Column>{t('smsMessages.col.delivered')}</Column>
        </TableHeader>
        <TableBody items={messages.data?.items ?? []} dependencies={[t, tasks.data]} renderEmptyState={() => (messages.isPending ? t('common.loading') : t('smsMessages.empty'))}>
          {(m: SmsMessage) => (
            <Row id={m.id}>
              <Cell>{m.phone}</Cell>
              <Cell>{m.taskId ? (taskNames.get(m.taskId) ?? m.taskId) : t('time.none')}</Cell>
              <Cell>{t(`smsMessages.kind.${m.kind}`)}</Cell>
              <Cell>
                {t(`smsMessages.status.${m.status}`)}
                {m.failureReason && <span className="admin-reason">{t('smsMessages.reason', { reason: smsReason(t, m.failureReason) })}</span>}
              </Cell>
              <Cell>{m.text}</Cell>
              <Cell>{m.segments}</Cell>
              <Cell>{formatDateTime(m.createdAt)}</Cell>
              <Cell>{m.sentAt ? formatDateTime(m.sentAt) : t('time.none')}</Cell>
              <Cell>{m.deliveredAt ? formatDateTime(m.deliveredAt) : m.deliveryError ? t('smsMessages.deliveryError', { error: m.deliveryError }) : t('time.none')}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <CursorPager pages={pages} nextCursor={messages.data?.nextCursor} />
    </>
  );
}
