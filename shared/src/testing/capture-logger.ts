import { Writable } from 'node:stream';

import { createLogger, type Logger } from '../logging/logger.js';

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, raw. */
  text(): string;
  lines(): Record<string, unknown>[];
}

/** A real pino logger writing into memory, so tests can assert what logs contain (and don't). */
export function captureLogger(service: string, level = 'debug'): CapturedLogger {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ service, level, destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
