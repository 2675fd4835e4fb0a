import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';

const ctl = (args: string[]) => execFileSync('rabbitmqctl', ['-q', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function ensureVhost(vhost: string, user = 'guest'): void {
  try {
    ctl(['add_vhost', vhost]);
  } catch (err) {
    if (!String((err as { stderr?: string }).stderr ?? err).includes('already exists')) throw new Error(`cannot create RabbitMQ vhost ${vhost}: ${String(err)}`);
  }
  ctl(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
}

export function listVhosts(): string[] {
  return ctl(['list_vhosts', 'name']).split('\n').map((l) => l.trim()).filter(Boolean);
}

export function deleteVhost(vhost: string): void {
  try {
    ctl(['delete_vhost', vhost]);
  } catch {
    // gone already
  }
}

/**
 * A run's id: base-36 epoch seconds (how old a leftover is) and a random part, so two runs started
 * in the same second (parallel work on one machine) never share names — the first to end would
 * drop the other's databases and vhosts.
 */
export function newRunId(): string {
  return `${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Anything older than this is a leftover of a dead run. */
export const STALE_AFTER_SECONDS = 3 * 3600;

export function isStale(name: string, nowSec = Math.floor(Date.now() / 1000)): boolean {
  const m = /^autocall_test_([0-9a-z]+)_(?:[0-9a-f]+_)?\d+$/.exec(name);
  if (!m) return /^autocall_test_\d+$/.test(name); // the old naming: always stale
  const started = parseInt(m[1], 36);
  return Number.isFinite(started) && nowSec - started > STALE_AFTER_SECONDS;
}
