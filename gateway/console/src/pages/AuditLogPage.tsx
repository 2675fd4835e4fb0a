import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { AuditFilters, type AuditQuery } from '../admin/AuditFilters';
import { CursorPager, useCursorPages } from '../admin/cursor';
import { LoadError } from '../admin/LoadError';
import type { AuditEvent } from '../admin/types';
import { useUserEmails } from '../admin/useUserEmails';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../time/zone';
import '../styles/admin.css';

const LIMIT = 50;

/** Audit Log (admin): who changed what, newest first, with the API's filters; times in WIB. */
export function AuditLogPage() {
  const { t } = useI18n();
  const [query, setQuery] = useState<AuditQuery>({});
  const pages = useCursorPages(JSON.stringify(query));
  const events = useQuery({
    queryKey: ['audit-events', query, pages.cursor],
    queryFn: () => unwrap(api.GET('/v1/audit-events', { params: { query: { limit: LIMIT, ...query, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  const emails = useUserEmails();
  const keys = useQuery({ queryKey: ['api-keys', 'names'], queryFn: () => unwrap(api.GET('/v1/api-keys', { params: { query: { page: 1, pageSize: 200 } } })), staleTime: 30_000 });
  const keyNames = new Map((keys.data?.items ?? []).map((k) => [k.id, k.name ?? k.id]));
  const actors = [
    ...[...emails].map(([id, email]) => ({ id, label: email })),
    ...[...keyNames].map(([id, name]) => ({ id, label: t('audit.actor.apiKey', { name }) })),
  ];

  const actorLabel = (e: AuditEvent) => {
    switch (e.actor.type) {
      case 'user':
        return e.actor.label ?? (e.actor.id ? emails.get(e.actor.id) : undefined) ?? e.actor.id ?? '';
      case 'apiKey':
        return t('audit.actor.apiKey', { name: (e.actor.id && keyNames.get(e.actor.id)) || e.actor.label || e.actor.id || '' });
      case 'admin':
        return t('audit.actor.admin');
      case 'system':
        return t('audit.actor.system');
    }
  };

  return (
    <>
      <h1>{t('nav.auditLog')}</h1>
      <AuditFilters actors={actors} onApply={setQuery} />
      <LoadError error={events.error} />
      <Table aria-label={t('audit.table')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('audit.col.time')}</Column>
          <Column>{t('audit.col.actor')}</Column>
          <Column>{t('audit.col.action')}</Column>
          <Column>{t('audit.col.resource')}</Column>
          <Column>{t('audit.col.status')}</Column>
        </TableHeader>
        <TableBody items={events.data?.items ?? []} dependencies={[t, emails, keys.data]} renderEmptyState={() => (events.isPending ? t('common.loading') : t('audit.empty'))}>
          {(e: AuditEvent) => (
            <Row id={e.id}>
              <Cell>{formatDateTime(e.at)}</Cell>
              <Cell>{actorLabel(e)}</Cell>
              <Cell>
                <code>{e.action}</code>
              </Cell>
              <Cell>{e.resource.type ? `${e.resource.type}${e.resource.id ? ` ${e.resource.id}` : ''}` : t('time.none')}</Cell>
              <Cell>{e.status ?? (e.actor.type === 'system' ? t('time.none') : t('audit.status.pending'))}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <CursorPager pages={pages} nextCursor={events.data?.nextCursor} />
    </>
  );
}
