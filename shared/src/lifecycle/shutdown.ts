import type { Logger } from '../logging/logger.js';

export interface ShutdownOptions {
  logger: Logger;
  /** Past this the process exits non-zero even if something still hangs. */
  timeoutMs?: number;
}

/** SIGTERM/SIGINT: run `stop` once (not-ready, stop accepting, drain, close pools), then exit. */
export function exitOnSignals(
  stop: () => Promise<void>,
  { logger, timeoutMs = 15_000 }: ShutdownOptions,
) {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeout_ms: timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
