import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import type { Role } from '../api/session-types';
import { LoadError } from '../admin/LoadError';
import { PagePager } from '../admin/paging';
import { inWords } from '../admin/problems';
import { roleKey } from '../admin/roles';
import type { User } from '../admin/types';
import { AddUserDialog, EditUserDialog, PasswordDialog } from '../admin/UserDialogs';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import { formatDateTime } from '../time/zone';
import '../styles/admin.css';

const PAGE_SIZE = 20;
type Open = { kind: 'edit' | 'password' | 'delete'; user: User } | undefined;

/** Users (admin): the tenant's people; "Add", and per user "Edit", "Set Password", "Delete" — for the users the caller's role may manage. */
export function UsersPage() {
  const { t } = useI18n();
  const me = useMe();
  const queries = useQueryClient();
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState<Open>();
  const users = useQuery({
    queryKey: ['users', page],
    queryFn: () => unwrap(api.GET('/v1/users', { params: { query: { page, pageSize: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  });
  const caller: Role = me.data?.role ?? 'viewer';
  const refresh = () => void queries.invalidateQueries({ queryKey: ['users'] });
  // an admin manages the users below owner; an owner everyone (API.md's role table)
  const manages = (u: User) => can(caller, 'admin') && can(caller, u.role);

  return (
    <>
      <h1>{t('nav.users')}</h1>
      {can(caller, 'admin') && (
        <div className="toolbar">
          <Button className="button primary" onPress={() => setAdding(true)}>
            {t('common.add')}
          </Button>
        </div>
      )}
      <LoadError error={users.error} />
      <Table aria-label={t('users.table')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('users.email')}</Column>
          <Column>{t('users.name')}</Column>
          <Column>{t('users.role')}</Column>
          <Column>{t('users.disabled')}</Column>
          <Column>{t('users.created')}</Column>
          <Column>{t('common.actions')}</Column>
        </TableHeader>
        <TableBody items={users.data?.items ?? []} dependencies={[t, caller]} renderEmptyState={() => (users.isPending ? t('common.loading') : t('users.empty'))}>
          {(u: User) => (
            <Row id={u.id}>
              <Cell>{u.email}</Cell>
              <Cell>{u.name}</Cell>
              <Cell>{t(roleKey(u.role))}</Cell>
              <Cell>{t(u.disabled ? 'admin.yes' : 'admin.no')}</Cell>
              <Cell>{formatDateTime(u.createdAt)}</Cell>
              <Cell>
                {manages(u) && (
                  <span className="admin-actions">
                    <Button className="button" onPress={() => setOpen({ kind: 'edit', user: u })}>
                      {t('common.edit')}
                    </Button>
                    <Button className="button" onPress={() => setOpen({ kind: 'password', user: u })}>
                      {t('users.setPassword')}
                    </Button>
                    <Button className="button" onPress={() => setOpen({ kind: 'delete', user: u })}>
                      {t('common.delete')}
                    </Button>
                  </span>
                )}
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      {users.data && <PagePager page={page} pageSize={PAGE_SIZE} total={users.data.total} onPage={setPage} />}
      <AddUserDialog caller={caller} isOpen={adding} onOpenChange={setAdding} onDone={refresh} />
      {open?.kind === 'edit' && <EditUserDialog caller={caller} user={open.user} onClose={() => setOpen(undefined)} onDone={refresh} />}
      {open?.kind === 'password' && <PasswordDialog user={open.user} onClose={() => setOpen(undefined)} onDone={refresh} />}
      <ConfirmDialog
        title={t('users.delete.title')}
        question={t('common.confirmDelete', { name: open?.user.email ?? '' })}
        isOpen={open?.kind === 'delete'}
        onOpenChange={(o) => !o && setOpen(undefined)}
        onConfirm={() =>
          inWords(t, async () => {
            if (open) await unwrap(api.DELETE('/v1/users/{id}', { params: { path: { id: open.user.id } } }));
            refresh();
          })
        }
      />
    </>
  );
}
