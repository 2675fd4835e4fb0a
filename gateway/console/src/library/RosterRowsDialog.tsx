import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Link, Row, Tab, Table, TableBody, TableHeader, TabList, TabPanel, Tabs } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { FormDialog } from '../components/FormDialog';
import { useI18n } from '../i18n/i18n';
import { libraryProblem } from './problems';
import { errorsXlsxUrl, RosterCounts } from './RosterCounts';
import type { Roster } from './types';

const LIMIT = 20;

/** A roster's valid numbers and its rejected rows, each a cursor-paged table (the lists can hold a million rows). */
export function RosterRowsDialog({ roster, isOpen, onOpenChange }: { roster?: Roster; isOpen: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useI18n();
  return (
    <FormDialog title={roster ? t('rosters.rowsTitle', { name: roster.name }) : ''} isOpen={isOpen} onOpenChange={onOpenChange} wide>
      {(close) =>
        roster && (
          <>
            <RosterCounts roster={roster} />
            <Tabs className="tabs">
              <TabList aria-label={t('rosters.rowsTitle', { name: roster.name })} className="tab-list">
                <Tab id="entries" className="tab">
                  {t('rosters.entries')}
                </Tab>
                <Tab id="errors" className="tab">
                  {t('rosters.errors')}
                </Tab>
              </TabList>
              <TabPanel id="entries">
                <Entries id={roster.id} />
              </TabPanel>
              <TabPanel id="errors">
                <Errors id={roster.id} />
                {roster.counts.invalid + roster.counts.duplicate > 0 && (
                  <Link className="button" href={errorsXlsxUrl(roster.id)} download={`${roster.name}-errors.xlsx`}>
                    {t('rosters.downloadErrors')}
                  </Link>
                )}
              </TabPanel>
            </Tabs>
            <div className="dialog-buttons">
              <Button className="button primary" onPress={close}>
                {t('common.close')}
              </Button>
            </div>
          </>
        )
      }
    </FormDialog>
  );
}

/** Keyset paging: the cursors of the pages seen so far, so "Previous" goes back without offsets. */
function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  return {
    cursor,
    page: cursors.length,
    next: (c: string) => setCursors([...cursors, c]),
    previous: () => setCursors(cursors.slice(0, -1)),
  };
}

function CursorNav({ page, nextCursor, onNext, onPrevious }: { page: number; nextCursor: string | null | undefined; onNext(c: string): void; onPrevious(): void }) {
  const { t } = useI18n();
  return (
    <nav className="paging" aria-label={t('paging.label')}>
      <Button className="button" isDisabled={page <= 1} onPress={onPrevious}>
        {t('paging.previous')}
      </Button>
      <span aria-live="polite">{t('rosters.page', { page })}</span>
      <Button className="button" isDisabled={!nextCursor} onPress={() => nextCursor && onNext(nextCursor)}>
        {t('paging.next')}
      </Button>
    </nav>
  );
}

function Entries({ id }: { id: string }) {
  const { t } = useI18n();
  const pages = useCursorPages();
  const list = useQuery({
    queryKey: ['roster-entries', id, pages.cursor],
    queryFn: () => unwrap(api.GET('/v1/rosters/{id}/entries', { params: { path: { id }, query: { limit: LIMIT, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      {list.isError && (
        <p role="alert" className="error">
          {libraryProblem(t, list.error)}
        </p>
      )}
      <Table aria-label={t('rosters.entries')} className="table">
        <TableHeader>
          <Column>{t('rosters.col.row')}</Column>
          <Column isRowHeader>{t('rosters.col.phone')}</Column>
          <Column>{t('rosters.col.rawPhone')}</Column>
          <Column>{t('rosters.col.calleeName')}</Column>
        </TableHeader>
        <TableBody items={list.data?.items ?? []} dependencies={[t]} renderEmptyState={() => (list.isPending ? t('common.loading') : t('rosters.noEntries'))}>
          {(e) => (
            <Row id={e.rowNumber}>
              <Cell>{e.rowNumber}</Cell>
              <Cell>{e.phone}</Cell>
              <Cell>{e.rawPhone}</Cell>
              <Cell>{e.name ?? ''}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <CursorNav page={pages.page} nextCursor={list.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} />
    </>
  );
}

function Errors({ id }: { id: string }) {
  const { t } = useI18n();
  const pages = useCursorPages();
  const list = useQuery({
    queryKey: ['roster-errors', id, pages.cursor],
    queryFn: () => unwrap(api.GET('/v1/rosters/{id}/errors', { params: { path: { id }, query: { limit: LIMIT, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      {list.isError && (
        <p role="alert" className="error">
          {libraryProblem(t, list.error)}
        </p>
      )}
      <Table aria-label={t('rosters.errors')} className="table">
        <TableHeader>
          <Column>{t('rosters.col.row')}</Column>
          <Column isRowHeader>{t('rosters.col.rawPhone')}</Column>
          <Column>{t('rosters.col.reason')}</Column>
        </TableHeader>
        <TableBody items={list.data?.items ?? []} dependencies={[t]} renderEmptyState={() => (list.isPending ? t('common.loading') : t('rosters.noErrors'))}>
          {(e) => (
            <Row id={e.rowNumber}>
              <Cell>{e.rowNumber}</Cell>
              <Cell>{e.rawPhone}</Cell>
              <Cell>{t(`rosters.reason.${e.reason}`)}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <CursorNav page={pages.page} nextCursor={list.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} />
    </>
  );
}
