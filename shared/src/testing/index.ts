import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

import { dropDatabase, ensureDatabase, serviceDatabaseUrl } from '../data/database.js';
import { createLogger, type Logger } from '../logging/logger.js';

/** The dependencies tests talk to: env-selected, defaulting to the local services. */
export const testUrls = {
  database: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqp: process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

export function uniqueName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A throwaway database per test file, so parallel runs and reruns never collide. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const server = new URL(testUrls.database);
  server.pathname = '/';
  const url = serviceDatabaseUrl(server.toString(), uniqueName(label));
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}

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
export * from './tcp-proxy.js';

/** Polls until `probe` is true or the time is up; for states that settle asynchronously. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
export * from './token-issuer.js';
export * from './event-tap.js';
export * from './system-env.js';
export * from './ports.js';
