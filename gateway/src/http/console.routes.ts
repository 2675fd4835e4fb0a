import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem } from '@autocall/http';

/**
 * The web console (gateway/console, issue 14) at /console: the files `pnpm build` leaves in
 * gateway/console/dist (listed when the gateway starts: restart it after a rebuild), outside /v1 and
 * its auth (static files only; the console itself logs in through /v1/auth). Hashed assets (`/console/assets/*`) are cached for a year, everything else
 * (`index.html`) is revalidated on every load; any other path under /console is the app's own
 * route, answered with `index.html` (SPA fallback). Every answer carries a strict
 * Content-Security-Policy (no inline script, no inline style but React Aria's two by hash, no
 * framing) and `X-Frame-Options: DENY`.
 */

/** Where `pnpm build` puts the console: the same relative place from gateway/src/http and gateway/dist/http. */
export const CONSOLE_DIST = join(__dirname, '..', '..', 'console', 'dist');

/**
 * The two `<style>` elements React Aria injects (react-aria's usePress: touch-action for pressables;
 * usePreventScroll: overscroll while a dialog is open), allowed by the hash of their exact text and
 * nothing else inline. A React Aria upgrade that changes them shows as a CSP violation in the
 * console's browser tests.
 */
const REACT_ARIA_STYLES = ["'sha256-38RhXrc7EdReTKsOm23ZPOCUgniTUUcjky8QOOrQx6o='", "'sha256-gYiS/BvZvRcK27JIXTuwhZ3hs2+VJ1X+2gUlE+farlg='"];

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src 'self' ${REACT_ARIA_STYLES.join(' ')}`,
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  /** gzipped on its first request that accepts gzip */
  compressible: boolean;
  gzip?: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}

/**
 * The files of the build by their path under /console/: listed at start, each read (and hashed) on
 * its first request and kept (a few hundred KB with the source maps; every gateway the test suites
 * start lists the build, few read it).
 */
function load(root: string): (rel: string) => StaticFile | undefined {
  const paths = new Map<string, string>();
  for (const full of walk(root)) paths.set(relative(root, full).split(sep).join('/'), full);
  const read = new Map<string, StaticFile>();
  return (rel) => {
    const full = paths.get(rel);
    if (full === undefined) return undefined;
    let file = read.get(rel);
    if (!file) {
      const body = readFileSync(full);
      const type = TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream';
      file = {
        body,
        compressible: /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        cacheControl: rel.startsWith('assets/') ? IMMUTABLE : REVALIDATE,
      };
      read.set(rel, file);
    }
    return file;
  };
}

function securityHeaders(reply: FastifyReply) {
  reply.header('content-security-policy', CONSOLE_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
}

function send(req: FastifyRequest, reply: FastifyReply, file: StaticFile) {
  securityHeaders(reply);
  reply.header('cache-control', file.cacheControl);
  reply.header('etag', file.etag);
  reply.header('vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
  reply.type(file.type);
  if (file.compressible && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    file.gzip ??= gzipSync(file.body, { level: 9 });
    reply.header('content-encoding', 'gzip');
    return reply.send(file.gzip);
  }
  return reply.send(file.body);
}

export async function consoleRoutes(app: FastifyInstance, opts: { root?: string } = {}) {
  const root = opts.root ?? CONSOLE_DIST;
  const fileAt = existsSync(join(root, 'index.html')) ? load(root) : undefined;

  const serve = async (req: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    const index = fileAt?.('index.html');
    if (!fileAt || !index) {
      securityHeaders(reply);
      return problem(reply, 503, 'CONSOLE_NOT_BUILT', 'Service Unavailable', 'The web console is not built: run `pnpm build`.');
    }
    const path = req.params['*'] ?? '';
    const file = fileAt(path);
    if (file) return send(req, reply, file);
    // a missing hashed asset is an old page asking for a file of an earlier build: never HTML in its place
    if (path.startsWith('assets/')) {
      securityHeaders(reply);
      return problem(reply, 404, 'NOT_FOUND', 'Not Found', `No console file ${path}.`);
    }
    return send(req, reply, index);
  };
  app.get('/console', serve);
  app.get('/console/*', serve);
}
