import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, Cell, CheckboxGroup, Column, FieldError, Form, Label, Row, Table, TableBody, TableHeader, Text, Checkbox as AriaCheckbox } from 'react-aria-components';
import { api, unwrap } from '../api/client';
import { fieldError } from '../api/problem';
import { ShownOnce } from '../admin/ApiKeyDialogs';
import { CursorPager, useCursorPages } from '../admin/cursor';
import { LoadError } from '../admin/LoadError';
import { problemCode } from '../admin/problems';
import { FormButtons } from '../components/FormButtons';
import { FormDialog } from '../components/FormDialog';
import { TextField } from '../components/TextField';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../time/zone';
import { policyProblem } from './problems';
import type { EventType, Webhook, WebhookDelivery } from './types';

/** The event types a webhook may subscribe to (API.md: `task.progress` is the stream's only, `webhook.test` goes by "Send Test"). */
export const SUBSCRIBABLE = ['call.completed', 'number.completed', 'number.tagged', 'task.status', 'roster.status', 'sms.status', 'sms.inbound'] as const satisfies readonly EventType[];
type Subscribable = (typeof SUBSCRIBABLE)[number];

/** "Add" (then the signing secret, shown this once) and "Edit": URL, the events it gets, a description. */
export function WebhookFormDialog({ editing, isOpen, onOpenChange }: { editing?: Webhook; isOpen: boolean; onOpenChange(o: boolean): void }) {
  const { t } = useI18n();
  const [secret, setSecret] = useState<string>();
  const change = (open: boolean) => {
    if (!open) setSecret(undefined);
    onOpenChange(open);
  };
  return (
    <FormDialog title={secret ? t('webhooks.made.title') : editing ? t('webhooks.edit.title') : t('webhooks.add.title')} isOpen={isOpen} onOpenChange={change}>
      {(close) => (secret ? <ShownOnce secret={secret} label={t('webhooks.secret')} warning={t('webhooks.secret.warning')} close={close} /> : <WebhookForm editing={editing} close={close} onSecret={setSecret} />)}
    </FormDialog>
  );
}

function WebhookForm({ editing, close, onSecret }: { editing?: Webhook; close(): void; onSecret(s: string): void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [url, setUrl] = useState(editing?.url ?? '');
  const [events, setEvents] = useState<string[]>(editing?.events.filter((e) => (SUBSCRIBABLE as readonly string[]).includes(e)) ?? ['call.completed', 'number.completed', 'task.status']);
  const [description, setDescription] = useState(editing?.description ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const chosen = SUBSCRIBABLE.filter((e) => events.includes(e));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const body = { url: url.trim(), events: chosen as Subscribable[], description: description.trim() || null };
      if (editing) {
        await unwrap(api.PATCH('/v1/webhooks/{id}', { params: { path: { id: editing.id } }, body }));
        await queries.invalidateQueries({ queryKey: ['webhooks'] });
        close();
      } else {
        const made = await unwrap(api.POST('/v1/webhooks', { body }));
        await queries.invalidateQueries({ queryKey: ['webhooks'] });
        onSecret(made.secret);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const urlError = problemCode(error) === 'WEBHOOK_URL_FORBIDDEN' ? t('webhooks.error.urlForbidden') : fieldError(error, 'url');
  const eventsError = chosen.length === 0 && !!error ? t('webhooks.events.required') : fieldError(error, 'events');
  const descriptionError = fieldError(error, 'description');
  return (
    <Form className="form" onSubmit={(e) => void submit(e)}>
      <TextField label={t('webhooks.url')} type="url" value={url} onChange={setUrl} description={t('webhooks.url.rule')} error={urlError} isRequired autoFocus />
      <CheckboxGroup className="field" value={events} onChange={setEvents} isInvalid={!!eventsError} validationBehavior="aria">
        <Label>{t('webhooks.events')}</Label>
        {SUBSCRIBABLE.map((type) => (
          <AriaCheckbox key={type} value={type} className="admin-checkbox">
            {({ isSelected }) => (
              <>
                <span className="admin-checkbox-box" aria-hidden="true">
                  {isSelected ? '✓' : ''}
                </span>
                <code>{type}</code> {t(`webhooks.event.${type}`)}
              </>
            )}
          </AriaCheckbox>
        ))}
        <Text slot="description" className="field-description">
          {t('webhooks.events.rule')}
        </Text>
        <FieldError className="field-error">{eventsError}</FieldError>
      </CheckboxGroup>
      <TextField label={t('webhooks.description')} value={description} onChange={setDescription} error={descriptionError} />
      {!!error && !urlError && !eventsError && !descriptionError && (
        <p role="alert" className="error">
          {policyProblem(t, error)}
        </p>
      )}
      <FormButtons close={close} busy={busy} />
    </Form>
  );
}

/** "Rotate Secret": asks first (the old secret keeps signing for 24 h beside the new), then shows the new secret once. */
export function RotateSecretDialog({ webhook, onOpenChange }: { webhook: Webhook | undefined; onOpenChange(o: boolean): void }) {
  const { t } = useI18n();
  const [secret, setSecret] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const change = (open: boolean) => {
    if (!open) {
      setSecret(undefined);
      setError(undefined);
    }
    onOpenChange(open);
  };
  const rotate = async () => {
    if (!webhook) return;
    setBusy(true);
    setError(undefined);
    try {
      setSecret((await unwrap(api.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id: webhook.id } } }))).secret);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title={t('webhooks.rotate.title')} isOpen={!!webhook} onOpenChange={change}>
      {(close) =>
        secret ? (
          <ShownOnce secret={secret} label={t('webhooks.secret.new')} warning={t('webhooks.secret.warning')} close={close} />
        ) : (
          <>
            <p>{t('webhooks.rotate.question', { url: webhook?.url ?? '' })}</p>
            {!!error && (
              <p role="alert" className="error">
                {policyProblem(t, error)}
              </p>
            )}
            <div className="dialog-buttons">
              <Button className="button" onPress={close}>
                {t('common.cancel')}
              </Button>
              <Button className="button primary" isDisabled={busy} onPress={() => void rotate()}>
                {busy ? t('common.saving') : t('common.confirm')}
              </Button>
            </div>
          </>
        )
      }
    </FormDialog>
  );
}

const LIMIT = 20;

/** "Deliveries": the webhook's deliveries, newest first, with status code, error and attempts; "Redeliver" sends one again (admin). */
export function DeliveriesDialog({ webhook, mayRedeliver, onOpenChange }: { webhook: Webhook | undefined; mayRedeliver: boolean; onOpenChange(o: boolean): void }) {
  const { t } = useI18n();
  return (
    <FormDialog title={t('webhooks.deliveries.title', { url: webhook?.url ?? '' })} isOpen={!!webhook} onOpenChange={onOpenChange} wide>
      {(close) => (
        <>
          {webhook && <Deliveries webhook={webhook} mayRedeliver={mayRedeliver} />}
          <div className="dialog-buttons">
            <Button className="button primary" onPress={close}>
              {t('common.close')}
            </Button>
          </div>
        </>
      )}
    </FormDialog>
  );
}

function Deliveries({ webhook, mayRedeliver }: { webhook: Webhook; mayRedeliver: boolean }) {
  const { t } = useI18n();
  const pages = useCursorPages(webhook.id);
  const [notice, setNotice] = useState<string>();
  const deliveries = useQuery({
    queryKey: ['webhooks', webhook.id, 'deliveries', pages.cursor],
    queryFn: () => unwrap(api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: webhook.id }, query: { limit: LIMIT, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
    // deliveries change as their attempts go out
    refetchInterval: 2_000,
  });
  const redeliver = async (d: WebhookDelivery) => {
    setNotice(undefined);
    try {
      await unwrap(api.POST('/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id: webhook.id, deliveryId: d.id } } }));
      setNotice(t('webhooks.redelivered', { type: d.eventType }));
      await deliveries.refetch();
    } catch (err) {
      setNotice(policyProblem(t, err));
    }
  };
  return (
    <>
      <LoadError error={deliveries.error} />
      <Table aria-label={t('webhooks.deliveries.table')} className="table">
        <TableHeader>
          <Column isRowHeader>{t('webhooks.col.event')}</Column>
          <Column>{t('webhooks.col.status')}</Column>
          <Column>{t('webhooks.col.statusCode')}</Column>
          <Column>{t('webhooks.col.error')}</Column>
          <Column>{t('webhooks.col.attempts')}</Column>
          <Column>{t('webhooks.col.created')}</Column>
          <Column>{t('common.actions')}</Column>
        </TableHeader>
        <TableBody items={deliveries.data?.items ?? []} dependencies={[t, mayRedeliver]} renderEmptyState={() => (deliveries.isPending ? t('common.loading') : t('webhooks.deliveries.empty'))}>
          {(d: WebhookDelivery) => (
            <Row id={d.id}>
              <Cell>{d.eventType}</Cell>
              <Cell>{t(`webhooks.delivery.${d.status}`)}</Cell>
              <Cell>{d.lastStatusCode ?? t('time.none')}</Cell>
              <Cell>{d.lastError ?? t('time.none')}</Cell>
              <Cell>{d.attempts}</Cell>
              <Cell>{formatDateTime(d.createdAt)}</Cell>
              <Cell>
                {mayRedeliver && (
                  <Button className="button" onPress={() => void redeliver(d)}>
                    {t('webhooks.redeliver')}
                  </Button>
                )}
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <CursorPager pages={pages} nextCursor={deliveries.data?.nextCursor} />
      <p role="status" className="admin-saved">
        {notice ?? ''}
      </p>
    </>
  );
}
