import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap, type Task } from '../api/client';
import { problemMessage } from '../api/problem';
import type { components } from '../api/schema';
import { SelectField } from '../components/SelectField';
import { useI18n } from '../i18n/i18n';
import { formatLocalAndUtc } from '../time/zone';
import { CALL_OUTCOMES, CALLS_PAGE_SIZE, isOutcome, type Outcome } from './calls';

type Call = components['schemas']['CallAttempt'];

/** How often the page asks again for its calls' SMS delivery states and reply tags. */
const RECEIPTS_POLL_MS = 5_000;

/**
 * The task's call attempts, one cursor page at a time (API.md "lists": keyset, so a task of a
 * million rows pages as fast as one of ten, and nothing loads them all). "Next" follows the answer's
 * `nextCursor`; "Previous" goes back along the cursors already followed. A new outcome filter starts
 * over at the first page.
 */
export function CallsTable({ task }: { task: Task }) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  // cursors[i] opened page i + 1; the first page has none
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];

  // asked again whenever the task's counts move (the page polls the task), so a page being read shows its calls' latest state
  const { percent, smsSent, smsFailed } = task.progress;
  const calls = useQuery({
    queryKey: ['task-calls', task.id, { outcome, cursor }, { status: task.status, percent, smsSent, smsFailed }],
    queryFn: () =>
      unwrap(api.GET('/v1/tasks/{id}/calls', { params: { path: { id: task.id }, query: { limit: CALLS_PAGE_SIZE, ...(cursor ? { cursor } : {}), ...(outcome ? { outcome } : {}) } } })),
    placeholderData: keepPreviousData,
    // delivery receipts and reply tags arrive after a call's counts stopped moving (even after the task completed): looked at again now and then
    refetchInterval: task.status === 'scheduled' ? false : RECEIPTS_POLL_MS,
  });
  const nextCursor = calls.data?.nextCursor ?? null;

  return (
    <section className="detail-section" aria-labelledby="detail-calls">
      <h2 id="detail-calls">{t('detail.calls')}</h2>
      <div className="toolbar">
        <SelectField
          className="filter"
          label={t('detail.calls.filter')}
          options={[{ id: 'all', label: t('detail.calls.filter.all') }, ...CALL_OUTCOMES.map((o) => ({ id: o, label: t(`detail.outcome.${o}`) }))]}
          selected={outcome ?? 'all'}
          onSelect={(id) => {
            setOutcome(isOutcome(id) ? id : undefined);
            setCursors([undefined]);
          }}
        />
      </div>
      {calls.isError && (
        <p role="alert" className="error">
          {t('detail.calls.loadFailed', { detail: problemMessage(t, calls.error) })}
        </p>
      )}
      <Table aria-label={t('detail.calls.table', { name: task.name })} className="table calls">
        <TableHeader>
          <Column isRowHeader>{t('detail.calls.col.phone')}</Column>
          <Column>{t('detail.calls.col.attempt')}</Column>
          <Column>{t('detail.calls.col.outcome')}</Column>
          <Column>{t('detail.calls.col.started')}</Column>
          <Column>{t('detail.calls.col.ended')}</Column>
          <Column>{t('detail.calls.col.duration')}</Column>
          <Column>{t('detail.calls.col.sms')}</Column>
          <Column>{t('detail.calls.col.tags')}</Column>
        </TableHeader>
        <TableBody items={calls.data?.items ?? []} dependencies={[t]} renderEmptyState={() => (calls.isPending ? t('detail.calls.loading') : t('detail.calls.empty'))}>
          {(call: Call) => (
            <Row id={call.id}>
              <Cell>{call.phone}</Cell>
              <Cell>{call.attempt}</Cell>
              <Cell>{call.outcome ? t(`detail.outcome.${call.outcome}`) : t(call.status === 'queued' ? 'detail.call.queued' : 'detail.call.dialing')}</Cell>
              <Cell>{call.startedAt ? formatLocalAndUtc(call.startedAt, task.dialing.timeZone) : t('time.none')}</Cell>
              <Cell>{call.endedAt ? formatLocalAndUtc(call.endedAt, task.dialing.timeZone) : t('time.none')}</Cell>
              <Cell>{call.durationMs === null ? t('time.none') : t('detail.calls.seconds', { seconds: Math.round(call.durationMs / 100) / 10 })}</Cell>
              <Cell>{call.sms ? t('detail.smsOf', { kind: t(`detail.smsKind.${call.sms.kind}`), status: t(`detail.smsStatus.${call.sms.status}`) }) : t('time.none')}</Cell>
              <Cell>{call.tags.length > 0 ? call.tags.join(', ') : t('time.none')}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <nav className="paging" aria-label={t('paging.label')}>
        <Button className="button" isDisabled={cursors.length <= 1} onPress={() => setCursors((c) => c.slice(0, -1))}>
          {t('paging.previous')}
        </Button>
        <span aria-live="polite">{t('detail.calls.page', { page: cursors.length })}</span>
        <Button className="button" isDisabled={!nextCursor || calls.isPlaceholderData} onPress={() => nextCursor && setCursors((c) => [...c, nextCursor])}>
          {t('paging.next')}
        </Button>
      </nav>
      {/* the calls say an SMS's status; its reason (why it was skipped) is on the SMS Messages page */}
      <p>
        <Link to={`/sms-messages?taskId=${encodeURIComponent(task.id)}`}>{t('detail.calls.smsLink')}</Link>
      </p>
    </section>
  );
}

