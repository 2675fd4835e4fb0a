import { createServer, Socket, type Server } from 'node:net';
import { testDatabaseUrl } from '@autocall/testing';

/**
 * A TCP relay in front of PostgreSQL (127.0.0.1:5432) for one client: `cut()` severs every
 * connection and refuses new ones (the port closed), `restore()` listens again on the same port.
 */
export class PgProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(5432, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  url(): string {
    const url = new URL(testDatabaseUrl());
    url.port = String(this.port);
    return url.toString();
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.start();
  }
}
