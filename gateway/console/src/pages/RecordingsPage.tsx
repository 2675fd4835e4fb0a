import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import { Paging } from '../library/Paging';
import { inWords, libraryProblem } from '../library/problems';
import { RecordingRenameDialog, RecordingUploadDialog } from '../library/RecordingDialogs';
import type { Recording } from '../library/types';
import { PAGE_SIZE, usePagedList, usePageParam } from '../library/useList';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import '../styles/library.css';

type Open = { kind: 'add' } | { kind: 'rename' | 'delete'; recording: Recording } | undefined;

/** `95_400` ms → `1:35` (minutes:seconds, as a player shows it). */
const duration = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Voice › Auto Call › Recording Files: the recordings, each playable in place; Add (upload), Rename, Delete. */
export function RecordingsPage() {
  const { t } = useI18n();
  const me = useMe();
  const queries = useQueryClient();
  const mayEdit = !!me.data && can(me.data.role, 'operator');
  const [page, setPage] = usePageParam();
  const [open, setOpen] = useState<Open>();
  const list = usePagedList('recordings', page, (p) => unwrap(api.GET('/v1/recordings', { params: { query: { page: p, pageSize: PAGE_SIZE } } })));
  const closeOnFalse = (o: boolean) => !o && setOpen(undefined);

  return (
    <>
      <h1>{t('nav.recordingFiles')}</h1>
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
      <Table aria-label={t('nav.recordingFiles')} className="table library-table">
        <TableHeader>
          <Column isRowHeader>{t('recordings.col.name')}</Column>
          <Column>{t('recordings.col.duration')}</Column>
          <Column>{t('recordings.col.status')}</Column>
          <Column>{t('recordings.col.play')}</Column>
          {mayEdit && <Column>{t('common.actions')}</Column>}
        </TableHeader>
        <TableBody items={list.data?.items ?? []} dependencies={[t, mayEdit]} renderEmptyState={() => (list.isPending ? t('common.loading') : t('recordings.empty'))}>
          {(r: Recording) => (
            <Row id={r.id}>
              <Cell>{r.name}</Cell>
              <Cell>{duration(r.durationMs)}</Cell>
              <Cell>
                <span className={`status status-${r.status}`}>{t('recordings.status.ready')}</span>
              </Cell>
              <Cell>
                {/* the original MP3, same origin (CSP media-src 'self'); fetched only when played */}
                <audio className="player" controls preload="none" src={`/v1/recordings/${encodeURIComponent(r.id)}/audio`} aria-label={t('recordings.playOf', { name: r.name })} />
              </Cell>
              {mayEdit && (
                <Cell>
                  <div className="row-actions">
                    <Button className="button" onPress={() => setOpen({ kind: 'rename', recording: r })}>
                      {t('recordings.rename')}
                    </Button>
                    <Button className="button danger" onPress={() => setOpen({ kind: 'delete', recording: r })}>
                      {t('common.delete')}
                    </Button>
                  </div>
                </Cell>
              )}
            </Row>
          )}
        </TableBody>
      </Table>
      <Paging page={page} pageSize={PAGE_SIZE} total={list.data?.total ?? 0} onPage={setPage} />
      <RecordingUploadDialog isOpen={open?.kind === 'add'} onOpenChange={closeOnFalse} />
      <RecordingRenameDialog recording={open?.kind === 'rename' ? open.recording : undefined} isOpen={open?.kind === 'rename'} onOpenChange={closeOnFalse} />
      <ConfirmDialog
        title={t('recordings.deleteTitle')}
        question={open?.kind === 'delete' ? t('common.confirmDelete', { name: open.recording.name }) : ''}
        isOpen={open?.kind === 'delete'}
        onOpenChange={closeOnFalse}
        onConfirm={() =>
          inWords(t, async () => {
            if (open?.kind !== 'delete') return;
            await unwrap(api.DELETE('/v1/recordings/{id}', { params: { path: { id: open.recording.id } } }));
            await queries.invalidateQueries({ queryKey: ['recordings'] });
          })
        }
      />
    </>
  );
}
