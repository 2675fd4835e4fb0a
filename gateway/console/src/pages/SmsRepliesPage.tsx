import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/schema';
import { CursorPager, useCursorPages } from '../admin/cursor';
import { LoadError } from '../admin/LoadError';
import { SelectField } from '../components/SelectField';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../time/zone';
import '../styles/admin.css';

type Reply = paths['/v1/sms-inbound']['get']['responses'][200]['content']['application/json']['items'][number];
const LIMIT = 50;
const ALL = 'all';

/** SMS Replies (viewer and up): replies received, newest first, each with the task it answered and what it did (a tag, an opt-out); times in WIB. */
export function SmsRepliesPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const taskId = params.get('taskId') ?? undefined;
  const filters = taskId ? { taskId } : {};
  const pages = useCursorPages(JSON.stringify(filters));
  const replies = useQuery({
    queryKey: ['sms-inbound', filters, pages.cursor],
    queryFn: () => unwrap(api.GET('/v1/sms-inbound', { params: { query: { limit: LIMIT, ...filters, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const tasks = useQuery({ queryKey: ['tasks', 'names'], queryFn: () => unwrap(api.GET('/v1/tasks', { params: { query: { page: 1, pageSize: 200 } } })), staleTime: 30_000 });
  const taskNames = new Map((tasks.data?.items ?? []).map((x) => [x.id, x.name]));
  const select = (value: string) => {
    const p = new URLSearchParams(params);
    if (value === ALL) p.delete('taskId');
    else p.set('taskId', value);
    setParams(p);
  };
  const action = (r: Reply) => (r.action.type === 'tag' ? t('smsReplies.action.tag', { tag: r.action.tag ?? '' }) : t(r.action.type === 'optOut' ? 'smsReplies.action.optOut' : 'smsReplies.action.none'));

  return (
    <>
      <h1>{t('nav.smsReplies')}</h1>
      <div className="toolbar">
        <SelectField
          className="filter"
          label={t('smsMessages.filter.task')}
          options={[{ id: ALL, label: t('smsMessages.filter.all') }, ...[...taskNames].map(([id, name]) => ({ id, label: name }))]}
          selected={taskId ?? ALL}
          onSelect={select}
        />
      </div>
      <LoadError error={replies.error} />
      <Table aria-label={t('smsReplies.table')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('smsReplies.col.from')}</Column>
          <Column>{t('smsReplies.col.task')}</Column>
          <Column>{t('smsReplies.col.text')}</Column>
          <Column>{t('smsReplies.col.action')}</Column>
          <Column>{t('smsReplies.col.received')}</Column>
        </TableHeader>
        <TableBody items={replies.data?.items ?? []} dependencies={[t, tasks.data]} renderEmptyState={() => (replies.isPending ? t('common.loading') : t('smsReplies.empty'))}>
          {(r: Reply) => (
            <Row id={r.id}>
              <Cell>{r.from}</Cell>
              <Cell>{r.taskId ? (taskNames.get(r.taskId) ?? r.taskId) : t('smsReplies.noTask')}</Cell>
              <Cell>{r.text}</Cell>
              <Cell>{action(r)}</Cell>
              <Cell>{formatDateTime(r.receivedAt)}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <CursorPager pages={pages} nextCursor={replies.data?.nextCursor} />
    </>
  );
}
