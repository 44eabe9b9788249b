import { QueryTypes, type Sequelize } from 'sequelize';

import { safeParseEvent } from '../events/security-event.js';
import { PollingLoop } from '../lifecycle/polling-loop.js';
import type { Logger } from '../logging/logger.js';
import type { EventSink } from '../messaging/event-publisher.js';
import { SpanKind, traceContextFrom, withSpan } from '../telemetry/spans.js';
import { OUTBOX_TABLE } from './outbox.js';

export interface OutboxRelayOptions {
  /** Rows claimed per cycle (default 100). */
  batchSize?: number;
  /** Pause between cycles that found less than a full batch (default 500 ms). */
  pollIntervalMs?: number;
  /** First retry delay of a failed row, doubled per attempt (default 1 s)... */
  baseBackoffMs?: number;
  /** ...up to this (default 30 s): the longest a restored broker waits for the relay. */
  maxBackoffMs?: number;
  /** Sent rows are deleted after this (default 30 days). */
  retentionMs?: number;
  /** Sent rows deleted per statement (default 1000): short transactions on a busy table. */
  purgeBatchSize?: number;
}

export interface OutboxRelayDeps {
  sequelize: Sequelize;
  publisher: EventSink;
  logger: Logger;
  /** Told how many sent rows each purge deleted (for a metric). */
  onPurged?: (rows: number) => void;
}

export interface RelayCycle {
  published: number;
  failed: number;
}

interface OutboxRow {
  id: string;
  payload: unknown;
  attempts: number;
  trace_context: unknown;
}

const PURGE_EVERY_MS = 10 * 60_000;
const PURGE_BATCHES_PER_TURN = 20;

/**
 * Moves committed outbox rows to the broker. Each cycle, in one transaction, claims the oldest due
 * unsent rows with `FOR UPDATE SKIP LOCKED` (replicas never claim the same row), publishes them
 * with confirms, marks the confirmed ones sent and gives the others a capped exponential backoff.
 * Delivery is at least once: a crash after the broker confirmed but before the commit publishes
 * that row again, and the audit store drops the duplicate by event id.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly retentionMs: number;
  private readonly purgeBatchSize: number;
  private readonly loop: PollingLoop;
  private lastPurge = 0;

  constructor(
    private readonly deps: OutboxRelayDeps,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.baseBackoffMs = options.baseBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
    this.purgeBatchSize = options.purgeBatchSize ?? 1000;
    this.loop = new PollingLoop(() => this.tick(), {
      pollIntervalMs: this.pollIntervalMs,
      onError: (error) => {
        deps.logger.warn({ err: describe(error) }, 'outbox relay cycle failed');
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Run a cycle now instead of at the next poll (e.g. right after a commit that wrote events). */
  nudge(): void {
    this.loop.nudge();
  }

  /** Stops polling and waits for the cycle in progress. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One claim-publish-mark cycle; public for tests and one-shot tools. While the publisher says
   * it is disconnected nothing is claimed, so rows keep their schedule and go out as soon as it is
   * back, instead of accumulating backoff during an outage.
   */
  async relayOnce(): Promise<RelayCycle> {
    const { sequelize, publisher } = this.deps;
    if (publisher.isReady === false) return { published: 0, failed: 0 };
    return sequelize.transaction(async (transaction) => {
      const rows = await sequelize.query<OutboxRow>(
        `SELECT id, payload, attempts, trace_context FROM ${OUTBOX_TABLE}
          WHERE sent_at IS NULL AND next_attempt_at <= now()
          ORDER BY created_at
          LIMIT :limit
          FOR UPDATE SKIP LOCKED`,
        { type: QueryTypes.SELECT, replacements: { limit: this.batchSize }, transaction },
      );
      if (rows.length === 0) return { published: 0, failed: 0 };
      const results = await Promise.allSettled(rows.map((row) => this.publishRow(row)));
      const sent = rows.filter((_row, i) => results.at(i)?.status === 'fulfilled').map((r) => r.id);
      const failed = rows
        .filter((_row, i) => results.at(i)?.status === 'rejected')
        .map((r) => r.id);
      if (sent.length > 0) {
        await sequelize.query(`UPDATE ${OUTBOX_TABLE} SET sent_at = now() WHERE id IN (:sent)`, {
          replacements: { sent },
          transaction,
        });
      }
      if (failed.length > 0) {
        await sequelize.query(
          `UPDATE ${OUTBOX_TABLE}
              SET attempts = attempts + 1,
                  next_attempt_at = now() + LEAST(:base * power(2, LEAST(attempts, 30)), :max)
                                          * interval '1 millisecond'
            WHERE id IN (:failed)`,
          {
            replacements: { failed, base: this.baseBackoffMs, max: this.maxBackoffMs },
            transaction,
          },
        );
        const reason = results.find((r) => r.status === 'rejected')?.reason as unknown;
        this.deps.logger.warn(
          { failed: failed.length, published: sent.length, err: describe(reason) },
          'outbox events not published, will retry',
        );
      }
      return { published: sent.length, failed: failed.length };
    });
  }

  /**
   * In the trace of the request that wrote the row: the relay's span is a child of that request's
   * span, and the publish (which carries the context on in the message headers) a child of it.
   */
  private publishRow(row: OutboxRow): Promise<void> {
    return withSpan(
      'outbox relay',
      async (span) => {
        span.setAttribute('messaging.message.id', row.id);
        span.setAttribute('outbox.attempt', row.attempts + 1);
        const parsed = safeParseEvent(row.payload);
        if (!parsed.success)
          throw new Error(`outbox row is not a valid event: ${parsed.issues[0] ?? ''}`);
        span.setAttribute('security_event.type', parsed.event.type);
        await this.deps.publisher.publish(parsed.event);
      },
      { kind: SpanKind.PRODUCER },
      traceContextFrom(row.trace_context),
    );
  }

  // A full batch without failures means more may be waiting: go again at once.
  private async tick(): Promise<{ more: boolean }> {
    const { published, failed } = await this.relayOnce();
    await this.purgeIfDue();
    return { more: published + failed === this.batchSize && failed === 0 };
  }

  private async purgeIfDue(): Promise<void> {
    if (Date.now() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = Date.now();
    // A bounded number of batches, so a large backlog never holds up the relaying itself.
    for (let batch = 0; batch < PURGE_BATCHES_PER_TURN; batch += 1) {
      if ((await this.purgeOnce()) < this.purgeBatchSize) return;
    }
  }

  /**
   * One batch of sent rows older than the retention. Rows are claimed with `FOR UPDATE SKIP
   * LOCKED`, so replicas purging at once split the work and never wait on each other. Unsent rows
   * are never touched, however old: they are events still owed to the audit store.
   */
  async purgeOnce(): Promise<number> {
    const [result] = await this.deps.sequelize.query<{ deleted: string }>(
      `WITH doomed AS (
         SELECT id FROM ${OUTBOX_TABLE}
          WHERE sent_at IS NOT NULL AND sent_at < now() - :retention * interval '1 millisecond'
          LIMIT :batch FOR UPDATE SKIP LOCKED),
       gone AS (DELETE FROM ${OUTBOX_TABLE} WHERE id IN (SELECT id FROM doomed) RETURNING 1)
       SELECT count(*) AS deleted FROM gone`,
      {
        type: QueryTypes.SELECT,
        replacements: { retention: this.retentionMs, batch: this.purgeBatchSize },
      },
    );
    // pg returns counts as strings.
    const deleted = Number(result?.deleted ?? 0);
    if (deleted > 0) this.deps.onPurged?.(deleted);
    return deleted;
  }
}

function describe(error: unknown): { message: string } | undefined {
  return error instanceof Error ? { message: error.message } : undefined;
}
