import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/languages';
import { Paging } from '../library/Paging';
import { inWords, libraryProblem } from '../library/problems';
import { RowActions } from '../library/RowActions';
import { TemplateDialog } from '../library/TemplateDialog';
import type { SmsTemplate } from '../library/types';
import { PAGE_SIZE, usePagedList, usePageParam } from '../library/useList';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import '../styles/library.css';

type Open = { kind: 'add' } | { kind: 'edit' | 'delete'; template: SmsTemplate } | undefined;

/** Voice › Auto Call › SMS Templates: the table (name, content, status with the rejection reason), Add, Edit, Delete. */
export function TemplatesPage() {
  const { t } = useI18n();
  const me = useMe();
  const queries = useQueryClient();
  const mayEdit = !!me.data && can(me.data.role, 'operator');
  const [page, setPage] = usePageParam();
  const [open, setOpen] = useState<Open>();
  const list = usePagedList('sms-templates', page, (p) => unwrap(api.GET('/v1/sms-templates', { params: { query: { page: p, pageSize: PAGE_SIZE } } })));
  const closeOnFalse = (o: boolean) => !o && setOpen(undefined);

  return (
    <>
      <h1>{t('nav.smsTemplates')}</h1>
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
      <Table aria-label={t('nav.smsTemplates')} className="table library-table">
        <TableHeader>
          <Column isRowHeader>{t('templates.col.name')}</Column>
          <Column>{t('templates.col.content')}</Column>
          <Column>{t('templates.col.size')}</Column>
          <Column>{t('templates.col.status')}</Column>
          {mayEdit && <Column>{t('common.actions')}</Column>}
        </TableHeader>
        <TableBody items={list.data?.items ?? []} dependencies={[t, mayEdit]} renderEmptyState={() => (list.isPending ? t('common.loading') : t('templates.empty'))}>
          {(tpl: SmsTemplate) => (
            <Row id={tpl.id}>
              <Cell>{tpl.name}</Cell>
              <Cell>
                <span className="template-content">{tpl.content}</span>
              </Cell>
              <Cell>{t('templates.size', { encoding: tpl.encoding, segments: tpl.segments })}</Cell>
              <Cell>
                <span className={`status status-${tpl.status}`}>{t(`templates.status.${tpl.status}` as MessageKey)}</span>
                {tpl.status === 'rejected' && tpl.rejectionReason && <span className="status-reason">{t('templates.rejectedBecause', { reason: tpl.rejectionReason })}</span>}
              </Cell>
              {mayEdit && (
                <Cell>
                  <RowActions onEdit={() => setOpen({ kind: 'edit', template: tpl })} onDelete={() => setOpen({ kind: 'delete', template: tpl })} />
                </Cell>
              )}
            </Row>
          )}
        </TableBody>
      </Table>
      <Paging page={page} pageSize={PAGE_SIZE} total={list.data?.total ?? 0} onPage={setPage} />
      <TemplateDialog isOpen={open?.kind === 'add'} onOpenChange={closeOnFalse} />
      <TemplateDialog template={open?.kind === 'edit' ? open.template : undefined} isOpen={open?.kind === 'edit'} onOpenChange={closeOnFalse} />
      <ConfirmDialog
        title={t('templates.deleteTitle')}
        question={open?.kind === 'delete' ? t('common.confirmDelete', { name: open.template.name }) : ''}
        isOpen={open?.kind === 'delete'}
        onOpenChange={closeOnFalse}
        onConfirm={() =>
          inWords(t, async () => {
            if (open?.kind !== 'delete') return;
            await unwrap(api.DELETE('/v1/sms-templates/{id}', { params: { path: { id: open.template.id } } }));
            await queries.invalidateQueries({ queryKey: ['sms-templates'] });
          })
        }
      />
    </>
  );
}
