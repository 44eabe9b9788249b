import { ConfigError } from '../config/load-config.js';
import { createLogger } from '../logging/logger.js';
import { DependencyUnavailableError } from './dependency-error.js';
import { exitOnSignals } from './shutdown.js';

export interface RunServiceOptions<C extends { logLevel: string }> {
  name: string;
  readConfig(): C;
  start(
    config: C,
    logger: ReturnType<typeof createLogger>,
  ): Promise<{ url: string; close(): Promise<void> }>;
  /** From startTracing: stopped after the service, so the spans of its last requests leave too. */
  tracing?: { stop(): Promise<void> };
}

/** The config, or one line per bad variable on stderr and exit 1: before any logger exists. */
export function readConfigOrExit<C>(name: string, readConfig: () => C): C {
  try {
    return readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }
}

/** What every service's index.ts does: config (fail fast), start, log, wire the signals. */
export async function runService<C extends { logLevel: string }>(options: RunServiceOptions<C>) {
  const config = readConfigOrExit(options.name, () => options.readConfig());
  const logger = createLogger({ service: options.name, level: config.logLevel });
  try {
    const service = await options.start(config, logger);
    logger.info({ url: service.url }, 'listening');
    exitOnSignals(
      async () => {
        await service.close();
        await options.tracing?.stop();
      },
      { logger },
    );
  } catch (error) {
    if (error instanceof DependencyUnavailableError) {
      logger.fatal(error.message);
      process.stderr.write(`${options.name}: ${error.message}\n`);
    } else {
      logger.fatal({ err: error }, 'failed to start');
    }
    process.exit(1);
  }
}
