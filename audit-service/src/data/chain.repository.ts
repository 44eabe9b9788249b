import { QueryTypes, Transaction, type Sequelize } from 'sequelize';

import type { StoredEvent } from '../domain/audit-event.js';
import type { ChainExport, ChainSnapshot, ChainStore } from '../domain/chain-verification.js';
import type { Checkpoint, SignedCheckpoint } from '../domain/checkpoint.js';

// Distinct from the chain writer's lock: one full re-walk at a time, across replicas; and one
// checkpoint writer at a time, so ids stay gap-free.
const FULL_WALK_LOCK_KEY = 0x61756476;
const CHECKPOINT_LOCK_KEY = 0x61756463;
// One periodic verifier at a time across replicas: the others skip their round.
const PERIODIC_VERIFY_LOCK_KEY = 0x61756470;
const WALK_BATCH = 2000;

const EVENT_COLUMNS = `seq, event_id, type, occurred_at, actor_user_id, subject_user_id, request_id,
  outcome, source, payload, prev_hash, hash, stored_at`;

interface EventRow extends Omit<StoredEvent, 'seq' | 'occurred_at'> {
  seq: string;
  occurred_at: Date;
}

interface CheckpointRow {
  id: string;
  seq: string;
  hash: string;
  at: Date;
  kid: string;
  signature: string;
}

const toCheckpoint = (r: CheckpointRow): SignedCheckpoint => ({
  id: Number(r.id),
  seq: Number(r.seq),
  hash: r.hash,
  at: r.at.toISOString(),
  kid: r.kid,
  signature: r.signature,
});

export class ChainRepository implements ChainStore, ChainExport {
  constructor(private readonly sequelize: Sequelize) {}

  snapshot<T>(work: (chain: ChainSnapshot) => Promise<T>): Promise<T> {
    return this.inSnapshot((transaction) => work(this.view(transaction)));
  }

  exclusiveSnapshot<T>(work: (chain: ChainSnapshot) => Promise<T>): Promise<T | 'busy'> {
    // Transaction-scoped: a crashed walker's lock goes with its connection.
    return this.inSnapshot(async (transaction) => {
      const [lock] = await this.sequelize.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock(:key) AS locked',
        { type: QueryTypes.SELECT, replacements: { key: FULL_WALK_LOCK_KEY }, transaction },
      );
      return lock?.locked ? work(this.view(transaction)) : 'busy';
    });
  }

  /**
   * Runs `work` holding the periodic verifier's lock, or answers 'busy' at once when another
   * replica holds it. The lock is the transaction's: a crashed verifier's goes with its connection.
   */
  asSoleVerifier<T>(work: () => Promise<T>): Promise<T | 'busy'> {
    return this.sequelize.transaction(async (transaction) => {
      const [lock] = await this.sequelize.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock(:key) AS locked',
        { type: QueryTypes.SELECT, replacements: { key: PERIODIC_VERIFY_LOCK_KEY }, transaction },
      );
      return lock?.locked ? work() : 'busy';
    });
  }

  async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    const [row] = await this.sequelize.query<CheckpointRow>(
      'SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1',
      { type: QueryTypes.SELECT },
    );
    return row && toCheckpoint(row);
  }

  async checkpointPage(afterId: number, limit: number): Promise<SignedCheckpoint[]> {
    const rows = await this.sequelize.query<CheckpointRow>(
      'SELECT * FROM audit_checkpoints WHERE id > :afterId ORDER BY id LIMIT :limit',
      { type: QueryTypes.SELECT, replacements: { afterId, limit } },
    );
    return rows.map(toCheckpoint);
  }

  async appendCheckpoint(
    at: { seq: number; hash: string },
    sign: (c: Checkpoint) => SignedCheckpoint,
  ): Promise<SignedCheckpoint> {
    return this.sequelize.transaction(async (transaction) => {
      const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) =>
        this.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, transaction });
      await select('SELECT pg_advisory_xact_lock(:key)', { key: CHECKPOINT_LOCK_KEY });
      const [latest] = await select<CheckpointRow>(
        'SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1',
      );
      if (latest && Number(latest.seq) >= at.seq) return toCheckpoint(latest);
      const signed = sign({
        id: Number(latest?.id ?? 0) + 1,
        seq: at.seq,
        hash: at.hash,
        at: new Date().toISOString(),
      });
      await this.sequelize.query(
        `INSERT INTO audit_checkpoints (id, seq, hash, at, kid, signature)
          VALUES (:id, :seq, :hash, :at, :kid, :signature)`,
        { replacements: { ...signed }, transaction },
      );
      return signed;
    });
  }

  /** Rows in seq order from `afterSeq`, for the segment export (no snapshot needed: a page). */
  async segment(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.rowsAfter(afterSeq, limit);
  }

  private inSnapshot<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    return this.sequelize.transaction(
      { isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ, readOnly: true },
      work,
    );
  }

  private async rowsAfter(
    afterSeq: number,
    limit: number,
    transaction?: Transaction,
  ): Promise<StoredEvent[]> {
    const rows = await this.sequelize.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE seq > :afterSeq ORDER BY seq LIMIT :limit`,
      { type: QueryTypes.SELECT, replacements: { afterSeq, limit }, transaction },
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq), occurred_at: r.occurred_at.getTime() }));
  }

  private view(transaction: Transaction): ChainSnapshot {
    const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) =>
      this.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, transaction });
    return {
      head: async () => {
        const [row] = await select<{ seq: string; hash: string }>(
          'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
        );
        return row && { seq: Number(row.seq), hash: row.hash };
      },
      rowAt: async (seq) => {
        const [row] = await select<{ seq: string; hash: string; event_id: string }>(
          'SELECT seq, hash, event_id FROM audit_events WHERE seq = :seq',
          { seq },
        );
        return row && { seq: Number(row.seq), hash: row.hash, event_id: row.event_id };
      },
      walk: async (afterSeq, visit) => {
        for (let after = afterSeq; ;) {
          const rows = await this.rowsAfter(after, WALK_BATCH, transaction);
          if (rows.length === 0) return;
          await visit(rows);
          after = rows.at(-1)?.seq ?? after;
          if (rows.length < WALK_BATCH) return;
        }
      },
      checkpoints: async () =>
        (await select<CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY id')).map(
          toCheckpoint,
        ),
    };
  }
}
