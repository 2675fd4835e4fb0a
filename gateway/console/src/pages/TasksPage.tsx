import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, ProgressBar, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError, unwrap, type Task } from '../api/client';
import { SelectField } from '../components/SelectField';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/languages';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import { TaskActions } from '../tasks/TaskActions';
import { AddTaskDialog } from '../tasks/wizard/AddTaskDialog';
import { newDraft, savedDraft, type Draft } from '../tasks/wizard/draft';
import { formatDateTime } from '../time/zone';
import '../styles/tasks.css';

const PAGE_SIZE = 20;
const statuses = ['scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
type Status = (typeof statuses)[number];
const isStatus = (v: unknown): v is Status => statuses.includes(v as Status);
const statusKey = (s: Status) => `tasks.status.${s}` as MessageKey;

/**
 * Voice › Auto Call › Scheduler: "Task Management", the task table with paging and a status filter
 * (state in the URL), "Add" (the four-step dialog) and each task's "Edit" menu for operators and up.
 * A draft left by an expired session opens the dialog again.
 */
export function TasksPage() {
  const { t } = useI18n();
  const me = useMe();
  const mayChange = !!me.data && can(me.data.role, 'operator');
  const [wizard, setWizard] = useState<{ draft: Draft; restored: boolean } | undefined>(() => {
    const kept = savedDraft();
    return kept && { draft: kept, restored: true };
  });
  const [created, setCreated] = useState<string | undefined>();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const rawStatus = params.get('status');
  const status = isStatus(rawStatus) ? rawStatus : undefined;

  const tasks = useQuery({
    queryKey: ['tasks', { page, status }],
    queryFn: () => unwrap(api.GET('/v1/tasks', { params: { query: { page, pageSize: PAGE_SIZE, ...(status ? { status } : {}) } } })),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });

  const go = (next: { page?: number; status?: Status | undefined }) => {
    const p = new URLSearchParams(params);
    const s = 'status' in next ? next.status : status;
    if (s) p.set('status', s);
    else p.delete('status');
    p.set('page', String(next.page ?? page));
    setParams(p);
  };

  const total = tasks.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <>
      <h1>{t('tasks.title')}</h1>
      <div className="toolbar">
        <SelectField
          className="filter"
          label={t('tasks.filter.status')}
          options={[{ id: 'all', label: t('tasks.filter.all') }, ...statuses.map((s) => ({ id: s, label: t(statusKey(s)) }))]}
          selected={status ?? 'all'}
          onSelect={(id) => go({ page: 1, status: isStatus(id) ? id : undefined })}
        />
        {mayChange && (
          <Button className="button primary" onPress={() => setWizard({ draft: newDraft(), restored: false })}>
            {t('tasks.add')}
          </Button>
        )}
      </div>
      {created && (
        <p role="status" className="notice">
          {t('tasks.created', { name: created })}
        </p>
      )}
      {mayChange && wizard && (
        <AddTaskDialog
          initial={wizard.draft}
          restored={wizard.restored}
          onClose={() => setWizard(undefined)}
          onCreated={(task) => {
            setWizard(undefined);
            setCreated(task.name);
          }}
        />
      )}
      {tasks.isError && (
        <p role="alert" className="error">
          {t('tasks.loadFailed', { detail: tasks.error instanceof ApiError && tasks.error.status === 403 ? t('error.forbidden') : tasks.error.message })}
        </p>
      )}
      <Table aria-label={t('tasks.table')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('tasks.col.name')}</Column>
          <Column>{t('tasks.col.status')}</Column>
          <Column>{t('tasks.col.progress')}</Column>
          <Column>{t('tasks.col.nextCall')}</Column>
          <Column>{t('tasks.col.created')}</Column>
          {mayChange && <Column>{t('tasks.col.actions')}</Column>}
        </TableHeader>
        <TableBody items={tasks.data?.items ?? []} dependencies={[t, mayChange]} renderEmptyState={() => (tasks.isPending ? t('tasks.loading') : t('tasks.empty'))}>
          {(task: Task) => (
            <Row id={task.id}>
              <Cell>
                <Link to={`/scheduler/${task.id}`}>{task.name}</Link>
              </Cell>
              <Cell>{t(statusKey(task.status as Status))}</Cell>
              <Cell>
                <ProgressBar className="progress" value={task.progress.percent} aria-label={t('tasks.progressOf', { name: task.name })}>
                  {({ valueText }) => (
                    <>
                      <span className="progress-track">
                        <span className="progress-fill" style={{ width: `${task.progress.percent}%` }} />
                      </span>
                      <span className="progress-text">{valueText}</span>
                    </>
                  )}
                </ProgressBar>
              </Cell>
              <Cell>{task.nextCallAt ? formatDateTime(task.nextCallAt, task.dialing.timeZone) : t('time.none')}</Cell>
              <Cell>{formatDateTime(task.createdAt)}</Cell>
              {mayChange && (
                <Cell>
                  <TaskActions task={task} />
                </Cell>
              )}
            </Row>
          )}
        </TableBody>
      </Table>
      <nav className="paging" aria-label={t('paging.label')}>
        <Button className="button" isDisabled={page <= 1} onPress={() => go({ page: page - 1 })}>
          {t('paging.previous')}
        </Button>
        <span aria-live="polite">{t('paging.position', { page, pages, total })}</span>
        <Button className="button" isDisabled={page >= pages} onPress={() => go({ page: page + 1 })}>
          {t('paging.next')}
        </Button>
      </nav>
    </>
  );
}
