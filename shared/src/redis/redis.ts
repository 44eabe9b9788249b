import { Redis } from 'ioredis';

import { requireDependency } from '../lifecycle/dependency-error.js';
import type { Logger } from '../logging/logger.js';

export type { Redis } from 'ioredis';

/**
 * Reconnects forever with capped backoff; commands fail fast while disconnected (no offline queue),
 * so callers can fail closed instead of hanging.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    // ioredis waits this long before giving up a socket on disconnect(); keep shutdown prompt.
    disconnectTimeout: 200,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands issued in the same turn of the event loop (the revocation reads and limit scripts
    // of concurrent requests) leave in one socket write: a write costs more here than the command.
    // Each command still gets its own reply or error, and nothing waits for more commands.
    enableAutoPipelining: true,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: { message: error.message } }, 'redis unavailable');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis reconnected');
    down = false;
  });
  return redis;
}

export async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'wait') await redis.connect();
}

export function redisCheck(redis: Redis): () => Promise<void> {
  return async () => {
    await redis.ping();
  };
}

/**
 * Creates and connects; an unreachable Redis is reported as one clear line
 * (DependencyUnavailableError) and leaves no reconnecting client behind.
 */
export async function openRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = createRedis(url, logger);
  try {
    await requireDependency('Redis', url, () => connectRedis(redis));
    return redis;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}
