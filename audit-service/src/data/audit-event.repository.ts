import { QueryTypes, Transaction, type Sequelize } from 'sequelize';

import type { AnySecurityEvent } from '@secure-api/shared/events';

import {
  indexedFieldsOf,
  type AppendedEvent,
  type AuditFilter,
  type AuditStore,
  type StoredEvent,
} from '../domain/audit-event.js';
import { extendChain, GENESIS_HASH, type ChainLink } from '../domain/hash-chain.js';

// One writer at a time, across every consumer of every replica: the head is read and extended
// under this transaction-scoped lock (scoped to this database).
const CHAIN_LOCK_KEY = 0x61756469;

const COLUMNS = `seq, event_id, type, occurred_at, actor_user_id, subject_user_id, request_id,
  outcome, source, payload, prev_hash, hash, stored_at`;

interface Row extends Omit<StoredEvent, 'seq' | 'occurred_at'> {
  seq: string;
  occurred_at: Date;
}

function toStored(row: Row): StoredEvent {
  return { ...row, seq: Number(row.seq), occurred_at: row.occurred_at.getTime() };
}

export class AuditEventRepository implements AuditStore {
  constructor(private readonly sequelize: Sequelize) {}

  async append(events: readonly AnySecurityEvent[]): Promise<AppendedEvent[]> {
    if (events.length === 0) return [];
    const { sequelize } = this;
    return sequelize.transaction(async (transaction) => {
      // The lock has a statement of its own: a statement reads the snapshot taken when it began,
      // so the head must be read by a later one, once the lock is held.
      await sequelize.query('SELECT pg_advisory_xact_lock($1)', {
        type: QueryTypes.SELECT,
        bind: [CHAIN_LOCK_KEY],
        transaction,
      });
      const [state] = await sequelize.query<{
        seq: string | null;
        hash: string | null;
        stored: string[];
      }>(
        `SELECT head.seq, head.hash,
           ARRAY(SELECT event_id::text FROM audit_events WHERE event_id = ANY($1::uuid[])) AS stored
         FROM (SELECT 1) AS one
         LEFT JOIN (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS head ON true`,
        { type: QueryTypes.SELECT, bind: [events.map((e) => e.id)], transaction },
      );
      // Already stored, or twice in this batch (a redelivery next to the original): kept once.
      const seen = new Set(state?.stored);
      const fresh: AnySecurityEvent[] = [];
      for (const event of events) {
        const id = event.id.toLowerCase();
        if (seen.has(id)) continue;
        seen.add(id);
        fresh.push(event);
      }
      if (fresh.length === 0) return [];
      const links = extendChain(
        { seq: Number(state?.seq ?? 0), hash: state?.hash ?? GENESIS_HASH },
        fresh,
      );
      await this.insert(links, transaction);
      return links.map(({ event, seq, prevHash, hash }) => ({ event, seq, prevHash, hash }));
    });
  }

  /** One statement over column arrays: its text and plan stay the same whatever the batch size. */
  private async insert(links: readonly ChainLink[], transaction: Transaction): Promise<void> {
    const rows = links.map(({ event, canonical, seq, prevHash, hash }) => {
      const f = indexedFieldsOf(event);
      return [
        seq,
        f.event_id,
        f.type,
        event.occurred_at,
        f.actor_user_id,
        f.subject_user_id,
        f.request_id,
        f.outcome,
        f.source,
        // The hashed rendering is the event's JSON; jsonb keeps the value, not the text.
        canonical,
        prevHash,
        hash,
      ];
    });
    const columns = Array.from({ length: 12 }, (_, i) => rows.map((row) => row.at(i)));
    await this.sequelize.query(
      `INSERT INTO audit_events (${COLUMNS})
       SELECT seq, event_id, type, occurred_at, actor_user_id, subject_user_id, request_id,
              outcome, source, payload::jsonb, prev_hash, hash, now()
       FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::timestamptz[], $5::uuid[],
                   $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                   $12::text[])
         AS t(seq, event_id, type, occurred_at, actor_user_id, subject_user_id, request_id,
              outcome, source, payload, prev_hash, hash)`,
      { bind: columns, transaction },
    );
  }

  async find(filter: AuditFilter): Promise<StoredEvent[]> {
    const where: string[] = [];
    const replacements: Record<string, unknown> = { limit: filter.limit };
    if (filter.type !== undefined) {
      where.push('type = :type');
      replacements.type = filter.type;
    }
    if (filter.userId !== undefined) {
      where.push('(actor_user_id = :userId OR subject_user_id = :userId)');
      replacements.userId = filter.userId;
    }
    if (filter.since !== undefined) {
      where.push('occurred_at >= :since');
      replacements.since = filter.since;
    }
    if (filter.until !== undefined) {
      where.push('occurred_at <= :until');
      replacements.until = filter.until;
    }
    if (filter.beforeSeq !== undefined) {
      where.push('seq < :beforeSeq');
      replacements.beforeSeq = filter.beforeSeq;
    }
    const rows = await this.sequelize.query<Row>(
      `SELECT ${COLUMNS} FROM audit_events
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq DESC LIMIT :limit`,
      { type: QueryTypes.SELECT, replacements },
    );
    return rows.map(toStored);
  }

  async walk(batchSize: number, visit: (rows: StoredEvent[]) => void): Promise<void> {
    // One snapshot for the whole walk, so `checked` is the chain as of one moment.
    await this.sequelize.transaction(
      { isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ, readOnly: true },
      async (transaction) => {
        let after = 0;
        for (;;) {
          const rows = await this.sequelize.query<Row>(
            `SELECT ${COLUMNS} FROM audit_events WHERE seq > :after ORDER BY seq LIMIT :limit`,
            { type: QueryTypes.SELECT, replacements: { after, limit: batchSize }, transaction },
          );
          if (rows.length === 0) return;
          const batch = rows.map(toStored);
          visit(batch);
          after = batch.at(-1)?.seq ?? after;
          if (rows.length < batchSize) return;
        }
      },
    );
  }

  async countByTypeSince(since: Date): Promise<Map<string, number>> {
    const rows = await this.sequelize.query<{ type: string; count: number }>(
      `SELECT type, count(*)::int AS count FROM audit_events
        WHERE occurred_at >= :since GROUP BY type`,
      { type: QueryTypes.SELECT, replacements: { since } },
    );
    return new Map(rows.map((r) => [r.type, r.count]));
  }
}
