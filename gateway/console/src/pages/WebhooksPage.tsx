import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { LoadError } from '../admin/LoadError';
import { PagePager } from '../admin/paging';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import { DeliveriesDialog, RotateSecretDialog, WebhookFormDialog } from '../policy/WebhookDialogs';
import { inWords, policyProblem } from '../policy/problems';
import type { Webhook } from '../policy/types';
import { can } from '../session/roles';
import { useMe } from '../session/session';
import '../styles/admin.css';

const PAGE_SIZE = 20;

/**
 * Webhooks (admin): the endpoints the platform posts its events to, signed with a secret shown
 * only when made or rotated; each with Edit, Enable/Disable, Rotate Secret, Send Test, its
 * Deliveries (with Redeliver) and Delete.
 */
export function WebhooksPage() {
  const { t } = useI18n();
  const me = useMe();
  const queries = useQueryClient();
  const mayChange = !!me.data && can(me.data.role, 'admin');
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Webhook>();
  const [rotating, setRotating] = useState<Webhook>();
  const [watching, setWatching] = useState<Webhook>();
  const [deleting, setDeleting] = useState<Webhook>();
  const [notice, setNotice] = useState<string>();
  const hooks = useQuery({
    queryKey: ['webhooks', page],
    queryFn: () => unwrap(api.GET('/v1/webhooks', { params: { query: { page, pageSize: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queries.invalidateQueries({ queryKey: ['webhooks'] });
  const act = async (run: () => Promise<unknown>, done: string) => {
    setNotice(undefined);
    try {
      await run();
      setNotice(done);
      await refresh();
    } catch (err) {
      setNotice(policyProblem(t, err));
    }
  };
  const toggle = (w: Webhook) =>
    act(() => unwrap(api.PATCH('/v1/webhooks/{id}', { params: { path: { id: w.id } }, body: { enabled: !w.enabled } })), t(w.enabled ? 'webhooks.disabled.done' : 'webhooks.enabled.done', { url: w.url }));
  const test = (w: Webhook) => act(() => unwrap(api.POST('/v1/webhooks/{id}/test', { params: { path: { id: w.id } } })), t('webhooks.test.sent', { url: w.url }));

  return (
    <>
      <h1>{t('nav.webhooks')}</h1>
      <p>{t('webhooks.intro')}</p>
      {mayChange && (
        <div className="toolbar">
          <Button className="button primary" onPress={() => setAdding(true)}>
            {t('common.add')}
          </Button>
        </div>
      )}
      <LoadError error={hooks.error} />
      <p role="status" className="admin-saved">
        {notice ?? ''}
      </p>
      <Table aria-label={t('nav.webhooks')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('webhooks.url')}</Column>
          <Column>{t('webhooks.events')}</Column>
          <Column>{t('webhooks.description')}</Column>
          <Column>{t('webhooks.col.state')}</Column>
          <Column>{t('common.actions')}</Column>
        </TableHeader>
        <TableBody items={hooks.data?.items ?? []} dependencies={[t, mayChange]} renderEmptyState={() => (hooks.isPending ? t('common.loading') : t('webhooks.empty'))}>
          {(w: Webhook) => (
            <Row id={w.id}>
              <Cell>{w.url}</Cell>
              <Cell>{w.events.join(', ')}</Cell>
              <Cell>{w.description ?? t('time.none')}</Cell>
              <Cell>
                {w.enabled ? t('webhooks.state.enabled') : t('webhooks.state.disabled')}
                {w.disabledReason && <span className="admin-reason"> {t('webhooks.state.reason', { reason: w.disabledReason })}</span>}
              </Cell>
              <Cell>
                <div className="admin-actions">
                  {mayChange && (
                    <>
                      <Button className="button" onPress={() => setEditing(w)}>
                        {t('common.edit')}
                      </Button>
                      <Button className="button" onPress={() => void toggle(w)}>
                        {w.enabled ? t('webhooks.disable') : t('webhooks.enable')}
                      </Button>
                      <Button className="button" onPress={() => setRotating(w)}>
                        {t('webhooks.rotate')}
                      </Button>
                      <Button className="button" onPress={() => void test(w)}>
                        {t('webhooks.test')}
                      </Button>
                    </>
                  )}
                  <Button className="button" onPress={() => setWatching(w)}>
                    {t('webhooks.deliveries')}
                  </Button>
                  {mayChange && (
                    <Button className="button" onPress={() => setDeleting(w)}>
                      {t('common.delete')}
                    </Button>
                  )}
                </div>
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      {hooks.data && <PagePager page={page} pageSize={PAGE_SIZE} total={hooks.data.total} onPage={setPage} />}
      <WebhookFormDialog isOpen={adding} onOpenChange={setAdding} />
      <WebhookFormDialog key={editing?.id} editing={editing} isOpen={!!editing} onOpenChange={(o) => !o && setEditing(undefined)} />
      <RotateSecretDialog webhook={rotating} onOpenChange={(o) => !o && setRotating(undefined)} />
      <DeliveriesDialog webhook={watching} mayRedeliver={mayChange} onOpenChange={(o) => !o && setWatching(undefined)} />
      <ConfirmDialog
        title={t('webhooks.delete.title')}
        question={t('common.confirmDelete', { name: deleting?.url ?? '' })}
        isOpen={!!deleting}
        onOpenChange={(o) => !o && setDeleting(undefined)}
        onConfirm={() =>
          inWords(t, async () => {
            if (deleting) await unwrap(api.DELETE('/v1/webhooks/{id}', { params: { path: { id: deleting.id } } }));
            await refresh();
          })
        }
      />
    </>
  );
}
