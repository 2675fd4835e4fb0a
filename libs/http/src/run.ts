import type { Logger } from '@autocall/logger';
import type { App } from './server';

/**
 * Listens and closes gracefully on SIGTERM/SIGINT: stops accepting requests, lets onClose hooks
 * stop consumers and pools, and exits. A second signal or a 15 s stall forces the exit.
 */
export async function listenAndServe(app: App, port: number, host: string, logger: Logger, afterClose?: () => Promise<void>): Promise<void> {
  await app.listen({ port, host });
  let closing = false;
  const stop = (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
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
