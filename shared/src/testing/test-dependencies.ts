import { randomBytes } from 'node:crypto';

import { dropDatabase, ensureDatabase, serviceDatabaseUrl } from '../data/database.js';

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
