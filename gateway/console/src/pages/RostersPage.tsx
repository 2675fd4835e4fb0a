import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/languages';
import { Paging } from '../library/Paging';
import { inWords, libraryProblem } from '../library/problems';
import { RosterAddDialog } from '../library/RosterAddDialog';
import { RosterEditDialog } from '../library/RosterEditDialog';
import { RosterRowsDialog } from '../library/RosterRowsDialog';
import { RowActions } from '../library/RowActions';
import type { Roster } from '../library/types';
import { PAGE_SIZE, usePagedList, usePageParam } from '../library/useList';
import { ValidationBar } from '../library/ValidationBar';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import '../styles/library.css';

type Open = { kind: 'add' } | { kind: 'edit' | 'delete' | 'rows'; roster: Roster } | undefined;

/** Voice › Auto Call › Task Roster: the rosters with their validation and counts; Add (upload), the numbers and errors, Edit, Delete. */
export function RostersPage() {
  const { t } = useI18n();
  const me = useMe();
  const queries = useQueryClient();
  const mayEdit = !!me.data && can(me.data.role, 'operator');
  const [page, setPage] = usePageParam();
  const [open, setOpen] = useState<Open>();
  const list = usePagedList(
    'rosters',
    page,
    (p) => unwrap(api.GET('/v1/rosters', { params: { query: { page: p, pageSize: PAGE_SIZE } } })),
    // a roster still validating moves: look again soon
    (items) => (items?.some((r) => r.status === 'validating') ? 1_000 : 10_000),
  );
  const closeOnFalse = (o: boolean) => !o && setOpen(undefined);

  return (
    <>
      <h1>{t('nav.taskRoster')}</h1>
      {mayEdit && (
        <div className="toolbar">
          <Button className="button primary" onPress={() => setOpen({ kind: 'add' })}>
            {t('common.add')}
          </Button>
        </div>
      )}
      {list.isError && (
        <p role="alert" className="error">
          {t('library.loadFailed', { detail: libraryProblem(t, list.error) })}
        </p>
      )}
      <Table aria-label={t('nav.taskRoster')} className="table library-table">
        <TableHeader>
          <Column isRowHeader>{t('rosters.col.name')}</Column>
          <Column>{t('rosters.col.description')}</Column>
          <Column>{t('rosters.col.status')}</Column>
          <Column>{t('rosters.col.valid')}</Column>
          <Column>{t('rosters.col.invalid')}</Column>
          <Column>{t('rosters.col.duplicate')}</Column>
          <Column>{t('common.actions')}</Column>
        </TableHeader>
        <TableBody items={list.data?.items ?? []} dependencies={[t, mayEdit]} renderEmptyState={() => (list.isPending ? t('common.loading') : t('rosters.empty'))}>
          {(r: Roster) => (
            <Row id={r.id}>
              <Cell>{r.name}</Cell>
              <Cell>{r.description ?? ''}</Cell>
              <Cell>
                <RosterStatus roster={r} />
              </Cell>
              <Cell>{r.counts.valid}</Cell>
              <Cell>{r.counts.invalid}</Cell>
              <Cell>{r.counts.duplicate}</Cell>
              <Cell>
                {mayEdit ? (
                  <RowActions onEdit={() => setOpen({ kind: 'edit', roster: r })} onDelete={() => setOpen({ kind: 'delete', roster: r })}>
                    <ViewNumbers roster={r} onPress={() => setOpen({ kind: 'rows', roster: r })} />
                  </RowActions>
                ) : (
                  <ViewNumbers roster={r} onPress={() => setOpen({ kind: 'rows', roster: r })} />
                )}
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <Paging page={page} pageSize={PAGE_SIZE} total={list.data?.total ?? 0} onPage={setPage} />
      <RosterAddDialog isOpen={open?.kind === 'add'} onOpenChange={closeOnFalse} />
      <RosterEditDialog roster={open?.kind === 'edit' ? open.roster : undefined} isOpen={open?.kind === 'edit'} onOpenChange={closeOnFalse} />
      <RosterRowsDialog roster={open?.kind === 'rows' ? open.roster : undefined} isOpen={open?.kind === 'rows'} onOpenChange={closeOnFalse} />
      <ConfirmDialog
        title={t('rosters.deleteTitle')}
        question={open?.kind === 'delete' ? t('common.confirmDelete', { name: open.roster.name }) : ''}
        isOpen={open?.kind === 'delete'}
        onOpenChange={closeOnFalse}
        onConfirm={() =>
          inWords(t, async () => {
            if (open?.kind !== 'delete') return;
            await unwrap(api.DELETE('/v1/rosters/{id}', { params: { path: { id: open.roster.id } } }));
            await queries.invalidateQueries({ queryKey: ['rosters'] });
          })
        }
      />
    </>
  );
}

/** "Numbers" opens the valid entries and the errors of a validated roster. */
function ViewNumbers({ roster, onPress }: { roster: Roster; onPress(): void }) {
  const { t } = useI18n();
  return (
    <Button className="button" isDisabled={roster.status !== 'ready'} onPress={onPress}>
      {t('rosters.viewNumbers')}
    </Button>
  );
}

function RosterStatus({ roster }: { roster: Roster }) {
  const { t } = useI18n();
  if (roster.status === 'validating')
    return <ValidationBar label={t('rosters.validatingOf', { name: roster.name })} processedRows={roster.progress.processedRows} />;
  return (
    <>
      <span className={`status status-${roster.status}`}>{t(`rosters.status.${roster.status}` as MessageKey)}</span>
      {roster.status === 'failed' && roster.failureReason && <span className="status-reason">{t(`rosters.failure.${roster.failureReason}` as MessageKey)}</span>}
    </>
  );
}
