import { defineErrors } from '@autocall/contracts';

export const eventsErrors = defineErrors({
  WEBHOOK_NOT_FOUND: { status: 404, message: 'The webhook endpoint does not exist.' },
  DELIVERY_NOT_FOUND: { status: 404, message: 'The delivery does not exist.' },
  WEBHOOK_URL_FORBIDDEN: { status: 422, message: 'The webhook URL may not carry credentials, must be http(s), and may not be on (or resolve to) a private, loopback or link-local address.' },
  WEBHOOK_URL_UNRESOLVABLE: { status: 422, message: 'The webhook URL\'s host does not resolve.' },
  WEBHOOK_EVENT_NOT_SUBSCRIBABLE: { status: 400, message: 'task.progress (stream only) and webhook.test (sent by POST /v1/webhooks/{id}/test) cannot be subscribed to.' },
  WEBHOOK_LIMIT: { status: 422, message: 'The tenant has the most webhook endpoints allowed.' },
  WEBHOOK_DISABLED: { status: 409, message: 'The webhook endpoint is disabled: enable it first (PATCH {"enabled": true}).' },
});
