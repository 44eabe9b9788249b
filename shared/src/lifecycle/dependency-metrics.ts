import { createCounter, createGauge, type Counter } from './counters.js';
import type { Metrics } from './metrics.js';

/** What a client says of its connection: ioredis's `status` is 'ready' only while commands run. */
interface RedisStatus {
  readonly status: string;
}

/** sequelize-pool's counters, as Sequelize's connection manager holds them (no read replicas). */
interface PoolStats {
  readonly using: number;
  readonly available: number;
  readonly waiting: number;
  readonly maxSize: number;
}

/**
 * redis_up: 1 while the client is ready, 0 otherwise (connecting, reconnecting, closed). Read at
 * scrape from the client's state, so it costs no command; a 0 means security decisions are being
 * refused (fail closed).
 */
export function watchRedis(metrics: Metrics, redis: RedisStatus): void {
  createGauge(metrics, {
    name: 'redis_up',
    help: 'Whether the Redis client is connected and ready (1) or not (0): requests that need it fail closed',
    collect() {
      this.set(redis.status === 'ready' ? 1 : 0);
    },
  });
}

/** db_pool_connections{state} and db_pool_max, read at scrape from the pool's own counters. */
export function watchDatabasePool(metrics: Metrics, sequelize: object): void {
  const pool = () =>
    (sequelize as { connectionManager?: { pool?: Partial<PoolStats> } }).connectionManager?.pool;
  createGauge(metrics, {
    name: 'db_pool_connections',
    help: 'Database connections by state: used (checked out), idle (open, free), waiting (callers queued for one)',
    labelNames: ['state'] as const,
    collect() {
      const stats = pool();
      this.set({ state: 'used' }, stats?.using ?? 0);
      this.set({ state: 'idle' }, stats?.available ?? 0);
      this.set({ state: 'waiting' }, stats?.waiting ?? 0);
    },
  });
  createGauge(metrics, {
    name: 'db_pool_max',
    help: 'Most database connections the pool opens',
    collect() {
      this.set(pool()?.maxSize ?? 0);
    },
  });
}

/** revocation_checks_total{result}: every bearer's revocation lookup, by what it found. */
export function revocationChecksCounter(metrics: Metrics): Counter<'result'> {
  return createCounter(metrics, {
    name: 'revocation_checks_total',
    help: 'Revocation lookups of presented tokens: active, revoked, or error (Redis unreachable: refused with 503)',
    labelNames: ['result'] as const,
  });
}
