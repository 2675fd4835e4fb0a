import { useQuery } from '@tanstack/react-query';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { Link } from 'react-router';
import { api, unwrap, type Task } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../time/zone';

import { replyAction, type Reply } from '../admin/replies';
const LIMIT = 20;

/** The task's latest replies (what each did: a tag, an opt-out), and links to all of them and to its SMS with their delivery. */
export function RepliesPanel({ task }: { task: Task }) {
  const { t } = useI18n();
  const replies = useQuery({
    queryKey: ['sms-inbound', { taskId: task.id }],
    queryFn: () => unwrap(api.GET('/v1/sms-inbound', { params: { query: { taskId: task.id, limit: LIMIT } } })),
    refetchInterval: 10_000,
  });
  return (
    <section aria-labelledby="task-replies">
      <h2 id="task-replies">{t('detail.replies')}</h2>
      <Table aria-label={t('detail.replies.table', { name: task.name })} className="table">
        <TableHeader>
          <Column isRowHeader>{t('smsReplies.col.from')}</Column>
          <Column>{t('smsReplies.col.text')}</Column>
          <Column>{t('smsReplies.col.action')}</Column>
          <Column>{t('smsReplies.col.received')}</Column>
        </TableHeader>
        <TableBody items={replies.data?.items ?? []} dependencies={[t]} renderEmptyState={() => (replies.isPending ? t('common.loading') : t('detail.replies.empty'))}>
          {(r: Reply) => (
            <Row id={r.id}>
              <Cell>{r.from}</Cell>
              <Cell>{r.text}</Cell>
              <Cell>{replyAction(t, r)}</Cell>
              <Cell>{formatDateTime(r.receivedAt)}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <p>
        <Link to={`/sms-replies?taskId=${task.id}`}>{t('detail.replies.all')}</Link>
        {' · '}
        <Link to={`/sms-messages?taskId=${task.id}`}>{t('detail.replies.messages')}</Link>
      </p>
    </section>
  );
}
