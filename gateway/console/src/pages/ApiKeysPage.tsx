import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import type { Role } from '../api/session-types';
import { AddApiKeyDialog } from '../admin/ApiKeyDialogs';
import { LoadError } from '../admin/LoadError';
import { PagePager } from '../admin/paging';
import { inWords } from '../admin/problems';
import { roleKey } from '../admin/roles';
import type { ApiKey } from '../admin/types';
import { useUserEmails } from '../admin/useUserEmails';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import { formatDateTime } from '../time/zone';
import '../styles/admin.css';

const PAGE_SIZE = 20;

/** API Keys (admin): the tenant's keys (never the key itself); "Add" shows a new key once; "Revoke" stops one at once. */
export function ApiKeysPage() {
  const { t } = useI18n();
  const me = useMe();
  const queries = useQueryClient();
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey>();
  const keys = useQuery({
    queryKey: ['api-keys', page],
    queryFn: () => unwrap(api.GET('/v1/api-keys', { params: { query: { page, pageSize: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  });
  const emails = useUserEmails();
  const caller: Role = me.data?.role ?? 'viewer';
  const refresh = () => void queries.invalidateQueries({ queryKey: ['api-keys'] });
  const label = (k: ApiKey) => k.name ?? t('apiKeys.unnamed');
  // nobody revokes a key whose role is above their own (the API answers 403)
  const mayRevoke = (k: ApiKey) => !k.revokedAt && can(caller, 'admin') && can(caller, k.role);

  return (
    <>
      <h1>{t('nav.apiKeys')}</h1>
      {can(caller, 'admin') && (
        <div className="toolbar">
          <Button className="button primary" onPress={() => setAdding(true)}>
            {t('common.add')}
          </Button>
        </div>
      )}
      <LoadError error={keys.error} />
      <Table aria-label={t('apiKeys.table')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('apiKeys.name')}</Column>
          <Column>{t('apiKeys.role')}</Column>
          <Column>{t('apiKeys.createdBy')}</Column>
          <Column>{t('apiKeys.created')}</Column>
          <Column>{t('apiKeys.lastUsed')}</Column>
          <Column>{t('apiKeys.revoked')}</Column>
          <Column>{t('common.actions')}</Column>
        </TableHeader>
        <TableBody items={keys.data?.items ?? []} dependencies={[t, caller, emails]} renderEmptyState={() => (keys.isPending ? t('common.loading') : t('apiKeys.empty'))}>
          {(k: ApiKey) => (
            <Row id={k.id}>
              <Cell>{label(k)}</Cell>
              <Cell>{t(roleKey(k.role))}</Cell>
              <Cell>{k.createdBy ? (emails.get(k.createdBy) ?? k.createdBy) : t('apiKeys.createdBy.platform')}</Cell>
              <Cell>{formatDateTime(k.createdAt)}</Cell>
              <Cell>{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : t('apiKeys.neverUsed')}</Cell>
              <Cell>{k.revokedAt ? formatDateTime(k.revokedAt) : t('admin.no')}</Cell>
              <Cell>
                {mayRevoke(k) && (
                  <Button className="button" onPress={() => setRevoking(k)}>
                    {t('apiKeys.revoke')}
                  </Button>
                )}
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      {keys.data && <PagePager page={page} pageSize={PAGE_SIZE} total={keys.data.total} onPage={setPage} />}
      <AddApiKeyDialog caller={caller} isOpen={adding} onOpenChange={setAdding} onDone={refresh} />
      <ConfirmDialog
        title={t('apiKeys.revoke.title')}
        question={t('apiKeys.revoke.question', { name: revoking ? label(revoking) : '' })}
        isOpen={!!revoking}
        onOpenChange={(o) => !o && setRevoking(undefined)}
        onConfirm={() =>
          inWords(t, async () => {
            if (revoking) await unwrap(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: revoking.id } } }));
            refresh();
          })
        }
      />
    </>
  );
}
