import { QueryTypes, type Sequelize } from 'sequelize';

import { createGauge } from '../lifecycle/counters.js';
import type { Metrics } from '../lifecycle/metrics.js';
import { OUTBOX_TABLE } from './outbox.js';

interface Backlog {
  pending: number;
  oldestSeconds: number;
}

/**
 * outbox_pending_events and outbox_oldest_pending_age_seconds, read at scrape in one query (over
 * the partial index of unsent rows): a backlog that only grows, or an old row, is a relay that
 * cannot reach the broker, and security events that have not reached the audit store yet.
 */
export function watchOutbox(metrics: Metrics, sequelize: Sequelize): void {
  // A scrape collects both gauges at once: they share one read.
  let reading: Promise<Backlog> | undefined;
  const backlog = () =>
    (reading ??= readBacklog(sequelize).finally(() => {
      reading = undefined;
    }));
  createGauge(metrics, {
    name: 'outbox_pending_events',
    help: 'Security events written to the outbox and not yet confirmed by the broker',
    async collect() {
      this.set((await backlog()).pending);
    },
  });
  createGauge(metrics, {
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest event waiting in the outbox (0 when none waits)',
    async collect() {
      this.set((await backlog()).oldestSeconds);
    },
  });
}

async function readBacklog(sequelize: Sequelize): Promise<Backlog> {
  const [row] = await sequelize.query<{ pending: number; oldest: number | string | null }>(
    `SELECT count(*)::int AS pending,
            COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)::float8 AS oldest
       FROM ${OUTBOX_TABLE} WHERE sent_at IS NULL`,
    { type: QueryTypes.SELECT },
  );
  return { pending: row?.pending ?? 0, oldestSeconds: Math.max(0, Number(row?.oldest ?? 0)) };
}
