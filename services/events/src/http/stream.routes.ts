import { eventsRoutes as r, invalidField, PUBLIC_EVENT_TYPES } from '@autocall/contracts';
import { plainReply, route, sentBy, tenantOf, type App } from '@autocall/http';
import { parseTypes } from '../domain/public-event';
import type { EventStreams } from '../usecases/event-streams';

export function streamRoutes(app: App, streams: EventStreams) {
  route(app, r.streamEvents, async (req, reply) => {
    const tenantId = tenantOf(req);
    const parsed = parseTypes(req.query.types, PUBLIC_EVENT_TYPES);
    if ('unknown' in parsed) throw invalidField('types', `${parsed.unknown} is not an event type`);
    const header = req.headers['last-event-id'];
    const start = await streams.startOf(tenantId, (typeof header === 'string' ? header : undefined) ?? req.query.lastEventId);
    const plain = plainReply(reply);
    plain.hijack();
    const res = plain.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', 'x-request-id': req.id });
    res.socket?.setNoDelay(true);
    streams.open({ tenantId, taskId: req.query.taskId, types: parsed.types, ...start }, res);
    return sentBy(plain);
  });
}
