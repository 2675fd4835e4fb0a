import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './ports';

const execFileAsync = promisify(execFile);


/**
 * A RabbitMQ node of the test's own (the machine's shared broker is used by other test runs and
 * must not be restarted): own node name, ports, data and log directories, no plugins.
 */
export class PrivateRabbit {
  readonly node = `autocall-test-${randomUUID().slice(0, 8)}@localhost`;
  private readonly dir = mkdtempSync(join(tmpdir(), 'autocall-rabbit-'));
  port = 0;

  /** Never synchronous: the platform and the test's provider share this process's event loop. */
  private async ctl(args: string[]): Promise<void> {
    await execFileAsync('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', this.node, ...args], { env: { ...process.env, HOME: this.dir }, timeout: 120_000 });
  }

  async start(): Promise<this> {
    this.port = await freePort();
    const dist = await freePort();
    writeFileSync(join(this.dir, 'rabbitmq.conf'), 'loopback_users = none\n');
    writeFileSync(join(this.dir, 'enabled_plugins'), '[].\n');
    await execFileAsync('/usr/lib/rabbitmq/bin/rabbitmq-server', ['-detached'], {
      cwd: this.dir,
      env: {
        ...process.env,
        HOME: this.dir,
        RABBITMQ_NODENAME: this.node,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(dist),
        RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(this.dir, 'log'),
        RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
        RABBITMQ_PID_FILE: join(this.dir, 'pid'),
      },
    });
    await this.ctl(['wait', join(this.dir, 'pid'), '--timeout', '90']);
    return this;
  }

  url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  stopApp(): Promise<void> {
    return this.ctl(['stop_app']);
  }

  startApp(): Promise<void> {
    return this.ctl(['start_app']);
  }

  async stop(): Promise<void> {
    try {
      await this.ctl(['stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

