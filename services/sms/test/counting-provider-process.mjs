// The counting SMS provider of the outage tests as a process of its own, so that how fast it answers
// does not depend on the test process's event loop (which runs the whole platform): POST /sms answers
// 200 at once and is recorded, never deduplicated; GET /requests lists what was recorded.
// Prints its port on stdout once it listens.
import { createServer } from 'node:http';

const requests = [];
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/requests') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(requests));
    }
    let body = {};
    try {
      body = JSON.parse(raw);
    } catch {
      // counted all the same
    }
    const r = { messageId: String(body.messageId), to: String(body.to), idempotencyKey: req.headers['idempotency-key'], authorization: req.headers.authorization, start: Date.now() };
    requests.push(r);
    res.on('close', () => (r.end ??= Date.now()));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
