import { QueryTypes, Transaction, type Sequelize } from 'sequelize';

import type { AnySecurityEvent } from '@secure-api/shared/events';

import {
  indexedFieldsOf,
  type AppendedEvent,
  type AuditFilter,
  type AuditStore,
  type StoredEvent,
} from '../domain/audit-event.js';
import { extendChain, GENESIS_HASH } from '../domain/hash-chain.js';

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
      const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) =>
        sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, transaction });
      await select('SELECT pg_advisory_xact_lock(:key)', { key: CHAIN_LOCK_KEY });
      const stored = await select<{ event_id: string }>(
        'SELECT event_id FROM audit_events WHERE event_id IN (:ids)',
        { ids: events.map((e) => e.id) },
      );
      // Already stored, or twice in this batch (a redelivery next to the original): kept once.
      const seen = new Set(stored.map((r) => r.event_id));
      const fresh: AnySecurityEvent[] = [];
      for (const event of events) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        fresh.push(event);
      }
      if (fresh.length === 0) return [];
      const [head] = await select<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
      );
      const links = extendChain(
        { seq: Number(head?.seq ?? 0), hash: head?.hash ?? GENESIS_HASH },
        fresh,
      );
      await this.insert(links, transaction);
      return links;
    });
  }

  private async insert(links: AppendedEvent[], transaction: Transaction): Promise<void> {
    const bind: unknown[] = [];
    const rows = links.map(({ event, seq, prevHash, hash }) => {
      const f = indexedFieldsOf(event);
      const start = bind.length;
      bind.push(
        seq,
        f.event_id,
        f.type,
        event.occurred_at,
        f.actor_user_id,
        f.subject_user_id,
        f.request_id,
        f.outcome,
        f.source,
        JSON.stringify(event),
        prevHash,
        hash,
      );
      const p = (i: number) => `$${start + i}`;
      return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}::jsonb, ${p(11)}, ${p(12)}, now())`;
    });
    await this.sequelize.query(`INSERT INTO audit_events (${COLUMNS}) VALUES ${rows.join(', ')}`, {
      bind,
      transaction,
    });
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
