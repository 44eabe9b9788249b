import { QueryTypes, type Sequelize } from 'sequelize';

import { PollingLoop, type Counter } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';

export interface RetentionOptions {
  /** Rows dead (revoked, expired or used) for longer than this are deleted. */
  keepDays: number;
  /** Rows per statement: short transactions, no long lock on a busy table (default 1000). */
  batchSize?: number;
  /** Pause between purges that found nothing more to delete (default 1 hour). */
  intervalMs?: number;
}

export type PurgedTable = 'sessions' | 'refresh_tokens' | 'account_tokens';

/**
 * Deletes what only grows: sessions (with their refresh tokens) revoked or expired more than
 * `keepDays` ago, and mailed links used or expired as long ago. A live session is never touched,
 * so every rotated token that reuse detection needs stays while its family lives. Batches claim
 * rows with `FOR UPDATE SKIP LOCKED`: replicas purging at once split the work, never block.
 */
export class RetentionPurger {
  private readonly loop: PollingLoop;
  private readonly batchSize: number;

  constructor(
    private readonly deps: { sequelize: Sequelize; logger: Logger; purged: Counter<'table'> },
    private readonly options: RetentionOptions,
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.loop = new PollingLoop(() => this.cycle(), {
      pollIntervalMs: options.intervalMs ?? 3_600_000,
      onError: (error) => {
        deps.logger.warn(
          { err: error instanceof Error ? { message: error.message } : {} },
          'retention purge failed, will retry',
        );
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One batch per table; public for tests and one-shot tools. */
  async purgeOnce(): Promise<Record<PurgedTable, number>> {
    const [sessions] = await this.deps.sequelize.query<{ sessions: string; tokens: string }>(
      `WITH doomed AS (
         SELECT id FROM sessions
          WHERE revoked_at < now() - :keep * interval '1 day'
             OR expires_at < now() - :keep * interval '1 day'
          LIMIT :batch FOR UPDATE SKIP LOCKED),
       tokens AS (DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM doomed) RETURNING 1),
       gone AS (DELETE FROM sessions WHERE id IN (SELECT id FROM doomed) RETURNING 1)
       SELECT (SELECT count(*) FROM gone) AS sessions, (SELECT count(*) FROM tokens) AS tokens`,
      { type: QueryTypes.SELECT, replacements: this.replacements() },
    );
    const [links] = await this.deps.sequelize.query<{ links: string }>(
      `WITH doomed AS (
         SELECT id FROM account_tokens
          WHERE used_at < now() - :keep * interval '1 day'
             OR expires_at < now() - :keep * interval '1 day'
          LIMIT :batch FOR UPDATE SKIP LOCKED),
       gone AS (DELETE FROM account_tokens WHERE id IN (SELECT id FROM doomed) RETURNING 1)
       SELECT count(*) AS links FROM gone`,
      { type: QueryTypes.SELECT, replacements: this.replacements() },
    );
    // pg returns counts as strings.
    const purged = {
      sessions: Number(sessions?.sessions ?? 0),
      refresh_tokens: Number(sessions?.tokens ?? 0),
      account_tokens: Number(links?.links ?? 0),
    };
    for (const [table, rows] of Object.entries(purged)) {
      if (rows > 0) this.deps.purged.inc({ table }, rows);
    }
    return purged;
  }

  private replacements() {
    return { keep: this.options.keepDays, batch: this.batchSize };
  }

  // A full batch of sessions or links means more are waiting: go again at once.
  private async cycle(): Promise<{ more: boolean }> {
    const purged = await this.purgeOnce();
    if (purged.sessions + purged.account_tokens > 0) {
      this.deps.logger.info({ purged }, 'retention purge');
    }
    return {
      more: purged.sessions === this.batchSize || purged.account_tokens === this.batchSize,
    };
  }
}
