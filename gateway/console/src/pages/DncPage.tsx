import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { CursorPager, useCursorPages } from '../admin/cursor';
import { LoadError } from '../admin/LoadError';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { SelectField } from '../components/SelectField';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { AddDncDialog, ImportDncDialog } from '../policy/DncDialogs';
import { literalPhonePath } from '../policy/dncPath';
import { inWords } from '../policy/problems';
import type { DncEntry, DncSource } from '../policy/types';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import { formatDateTime } from '../time/zone';
import '../styles/admin.css';

const LIMIT = 50;
const ALL = 'all';
/** every source the API gives an entry (the filter offers each) */
const sources = ['api', 'import', 'sms-reply', 'dtmf'] as const satisfies readonly DncSource[];
const pick = <V extends string>(list: readonly V[], v: string | null): V | undefined => list.find((x) => x === v);

/**
 * Do-Not-Call List (viewer reads; operator and up add, import and remove): the tenant's numbers no
 * task calls, searched by digits and filtered by source (both in the URL), newest first.
 */
export function DncPage() {
  const { t } = useI18n();
  const me = useMe();
  const queries = useQueryClient();
  const mayChange = !!me.data && can(me.data.role, 'operator');
  const [params, setParams] = useSearchParams();
  const source = pick(sources, params.get('source'));
  const phone = params.get('phone')?.trim() ?? '';
  const filters = { ...(phone ? { phone } : {}), ...(source ? { source } : {}) };
  const pages = useCursorPages(JSON.stringify(filters));
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [removing, setRemoving] = useState<DncEntry>();

  const entries = useQuery({
    queryKey: ['dnc', filters, pages.cursor],
    queryFn: () => unwrap(api.GET('/v1/dnc', { params: { query: { limit: LIMIT, ...filters, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  const set = (name: string, value: string) => {
    const p = new URLSearchParams(params);
    if (value === ALL || value === '') p.delete(name);
    else p.set(name, value);
    setParams(p, { replace: name === 'phone' });
  };

  return (
    <>
      <h1>{t('nav.dnc')}</h1>
      <p>{t('dnc.intro')}</p>
      <div className="toolbar">
        <div role="search" className="toolbar">
          <TextField label={t('dnc.search')} type="tel" value={params.get('phone') ?? ''} onChange={(v) => set('phone', v)} description={t('dnc.search.rule')} />
          <SelectField className="filter" label={t('dnc.filter.source')} options={[{ id: ALL, label: t('dnc.filter.all') }, ...sources.map((s) => ({ id: s, label: t(`dnc.source.${s}`) }))]} selected={source ?? ALL} onSelect={(v) => set('source', v)} />
        </div>
        {mayChange && (
          <>
            <Button className="button primary" onPress={() => setAdding(true)}>
              {t('common.add')}
            </Button>
            <Button className="button" onPress={() => setImporting(true)}>
              {t('dnc.import')}
            </Button>
          </>
        )}
      </div>
      <LoadError error={entries.error} />
      <Table aria-label={t('nav.dnc')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('dnc.col.phone')}</Column>
          <Column>{t('dnc.col.rawPhone')}</Column>
          <Column>{t('dnc.col.reason')}</Column>
          <Column>{t('dnc.col.source')}</Column>
          <Column>{t('dnc.col.created')}</Column>
          <Column>{t('common.actions')}</Column>
        </TableHeader>
        <TableBody items={entries.data?.items ?? []} dependencies={[t, mayChange]} renderEmptyState={() => (entries.isPending ? t('common.loading') : t('dnc.empty'))}>
          {(e: DncEntry) => (
            <Row id={e.phone}>
              <Cell>{e.phone}</Cell>
              <Cell>{e.rawPhone}</Cell>
              <Cell>{e.reason ?? t('time.none')}</Cell>
              <Cell>{t(`dnc.source.${e.source}`)}</Cell>
              <Cell>{formatDateTime(e.createdAt)}</Cell>
              <Cell>
                {mayChange && (
                  <Button className="button" aria-label={t('dnc.remove.named', { phone: e.phone })} onPress={() => setRemoving(e)}>
                    {t('dnc.remove')}
                  </Button>
                )}
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <CursorPager pages={pages} nextCursor={entries.data?.nextCursor} />
      <AddDncDialog isOpen={adding} onOpenChange={setAdding} />
      <ImportDncDialog isOpen={importing} onOpenChange={setImporting} />
      <ConfirmDialog
        title={t('dnc.remove.title')}
        question={t('dnc.remove.question', { phone: removing?.phone ?? '' })}
        isOpen={!!removing}
        onOpenChange={(o) => !o && setRemoving(undefined)}
        onConfirm={() =>
          inWords(t, async () => {
            if (removing) await unwrap(api.DELETE('/v1/dnc/{phone}', { params: { path: { phone: removing.phone } }, pathSerializer: literalPhonePath }));
            await queries.invalidateQueries({ queryKey: ['dnc'] });
          })
        }
      />
    </>
  );
}
