import { randomUUID } from 'node:crypto';

import { QueryTypes, type Sequelize } from 'sequelize';

import { currentTransaction } from '@secure-api/shared/data';

import type { SecretBox } from '../domain/secret-box.js';
import type { Mailbox, OutgoingMail } from '../domain/recovery-ports.js';

export interface QueuedMail {
  id: string;
  attempts: number;
  createdAt: Date;
  /** Undefined when it no longer opens: sealed under a key that has since been rotated. */
  mail: OutgoingMail | undefined;
}

/**
 * The mail outbox table. A message is sealed with a key of its own purpose before it is written
 * (its links open accounts), committed with the change that caused it, and deleted once the SMTP
 * relay has accepted it: no link is ever readable at rest, and none stays after delivery.
 */
export class MailOutbox implements Mailbox {
  private onQueued: () => void = () => undefined;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly box: SecretBox,
  ) {}

  /** Called once a message is committed: the relay's nudge. */
  whenQueued(listener: () => void): void {
    this.onQueued = listener;
  }

  async send(mail: OutgoingMail): Promise<void> {
    const id = randomUUID();
    await this.sequelize.query('INSERT INTO mail_outbox (id, sealed) VALUES (:id, :sealed)', {
      replacements: { id, sealed: this.box.seal(JSON.stringify(mail), id) },
    });
    const transaction = currentTransaction();
    if (transaction)
      transaction.afterCommit(() => {
        this.onQueued();
      });
    else this.onQueued();
  }

  /**
   * Runs `deliver` over up to `limit` due messages, each row locked for the cycle (`FOR UPDATE SKIP
   * LOCKED`: replicas never send the same message); `deliver` says which were accepted.
   */
  async claimDue(
    limit: number,
    deliver: (batch: QueuedMail[]) => Promise<{ sent: string[]; failed: string[] }>,
    backoff: { baseMs: number; maxMs: number },
  ): Promise<{ sent: number; failed: number }> {
    return this.sequelize.transaction(async () => {
      const rows = await this.sequelize.query<{
        id: string;
        sealed: string;
        attempts: number;
        created_at: Date;
      }>(
        `SELECT id, sealed, attempts, created_at FROM mail_outbox
          WHERE next_attempt_at <= now()
          ORDER BY created_at
          LIMIT :limit
          FOR UPDATE SKIP LOCKED`,
        { type: QueryTypes.SELECT, replacements: { limit } },
      );
      if (rows.length === 0) return { sent: 0, failed: 0 };
      const batch = rows.map((row) => ({
        id: row.id,
        attempts: row.attempts,
        createdAt: row.created_at,
        mail: this.unseal(row.sealed, row.id),
      }));
      const { sent, failed } = await deliver(batch);
      if (sent.length > 0) {
        await this.sequelize.query('DELETE FROM mail_outbox WHERE id IN (:sent)', {
          replacements: { sent },
        });
      }
      if (failed.length > 0) {
        await this.sequelize.query(
          `UPDATE mail_outbox
              SET attempts = attempts + 1,
                  next_attempt_at = now() + LEAST(:base * power(2, LEAST(attempts, 30)), :max)
                                          * interval '1 millisecond'
            WHERE id IN (:failed)`,
          { replacements: { failed, base: backoff.baseMs, max: backoff.maxMs } },
        );
      }
      return { sent: sent.length, failed: failed.length };
    });
  }

  private unseal(sealed: string, id: string): OutgoingMail | undefined {
    try {
      return JSON.parse(this.box.open(sealed, id)) as OutgoingMail;
    } catch {
      return undefined;
    }
  }

  /** Messages waiting, and the age of the oldest in seconds: what an operator watches. */
  async backlog(): Promise<{ waiting: number; oldestSeconds: number }> {
    // pg returns count and numeric as strings.
    const [row] = await this.sequelize.query<{ waiting: string; oldest: string | null }>(
      `SELECT count(*) AS waiting, extract(epoch FROM now() - min(created_at)) AS oldest
         FROM mail_outbox`,
      { type: QueryTypes.SELECT },
    );
    return { waiting: Number(row?.waiting ?? 0), oldestSeconds: Number(row?.oldest ?? 0) };
  }
}
