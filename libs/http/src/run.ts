import type { Logger } from '@autocall/logger';
import type { App } from './server';

/**
 * Listens and closes gracefully on SIGTERM/SIGINT: stops accepting requests, lets onClose hooks
 * stop consumers and pools, and exits. The same signal again (Ctrl-C twice) or a 15 s stall forces
 * the exit; another signal while closing is ignored — Ctrl-C in a terminal sends SIGINT to every
 * process of the group and `pnpm start` then sends its children SIGTERM, which must not cut the
 * clean close short.
 */
export async function listenAndServe(app: App, port: number, host: string, logger: Logger, afterClose?: () => Promise<void>): Promise<void> {
  await app.listen({ port, host });
  let closing: string | undefined;
  const stop = (signal: string) => {
    if (closing === signal) process.exit(1);
    if (closing) return;
    closing = signal;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, 15_000);
    timer.unref();
    app
      .close()
      .then(() => afterClose?.())
      .then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
