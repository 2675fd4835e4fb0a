import { createServer, Socket, type Server } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 in front of a local server (PostgreSQL, RabbitMQ), so a test can take
 * that server away from one client only: `cut()` severs every connection and closes the port
 * (new connections are refused), `restore()` listens again on the same port.
 */
export class TcpRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<this> {
    const server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.targetPort, '127.0.0.1');
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
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    return this;
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
