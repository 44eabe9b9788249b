import type { Sequelize, Transaction } from 'sequelize';

import type { Migration } from '../data/migrations.js';
import { parseEvent, type AnySecurityEvent } from '../events/security-event.js';
import { currentTraceCarrier } from '../telemetry/spans.js';

export const OUTBOX_TABLE = 'outbox_events';

/**
 * The outbox table of a service that emits events (auth-service, user-service): one row per
 * event, written in the transaction of the change it records, published later by OutboxRelay.
 * Add it to the service's migration list under the service's own next migration name.
 */
export function createOutboxMigration(name: string): Migration {
  return {
    name,
    async up({ sequelize }) {
      await sequelize.query(`
        CREATE TABLE ${OUTBOX_TABLE} (
          id uuid PRIMARY KEY,
          type varchar(64) NOT NULL,
          payload jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          attempts integer NOT NULL DEFAULT 0,
          next_attempt_at timestamptz NOT NULL DEFAULT now(),
          sent_at timestamptz NULL
        )`);
      // The relay's scan: unsent rows in creation order; stays small because sent rows leave it.
      await sequelize.query(
        `CREATE INDEX ${OUTBOX_TABLE}_unsent_idx ON ${OUTBOX_TABLE} (created_at) WHERE sent_at IS NULL`,
      );
      await sequelize.query(
        `CREATE INDEX ${OUTBOX_TABLE}_sent_idx ON ${OUTBOX_TABLE} (sent_at) WHERE sent_at IS NOT NULL`,
      );
    },
    async down({ sequelize }) {
      await sequelize.query(`DROP TABLE IF EXISTS ${OUTBOX_TABLE}`);
    },
  };
}

/**
 * The trace context of the request that wrote a row (W3C `traceparent`/`tracestate`), so that the
 * relay publishes it in that request's trace. A migration of its own, after the table's: applied
 * migrations are never edited.
 */
export function addOutboxTraceContextMigration(name: string): Migration {
  return {
    name,
    async up({ sequelize }) {
      await sequelize.query(`ALTER TABLE ${OUTBOX_TABLE} ADD COLUMN trace_context jsonb NULL`);
    },
    async down({ sequelize }) {
      await sequelize.query(`ALTER TABLE ${OUTBOX_TABLE} DROP COLUMN IF EXISTS trace_context`);
    },
  };
}

/**
 * Writes events to the outbox inside the caller's transaction: they are published if and only if
 * that transaction commits. Each event is validated first, so an invalid one fails the change
 * (InvalidEventError) instead of reaching the audit store's dead-letter queue.
 */
export async function writeOutboxEvent(
  sequelize: Sequelize,
  transaction: Transaction,
  events: AnySecurityEvent | readonly AnySecurityEvent[],
): Promise<void> {
  const list = (Array.isArray(events) ? events : [events]) as readonly AnySecurityEvent[];
  if (list.length === 0) return;
  // Null while tracing is off: nothing to carry.
  const carrier = currentTraceCarrier();
  const traceContext = carrier ? JSON.stringify(carrier) : null;
  const bind: (string | null)[] = [];
  const rows = list.map((event) => {
    const valid = parseEvent(event);
    bind.push(valid.id, valid.type, JSON.stringify(valid), traceContext);
    const n = bind.length;
    return `($${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n}::jsonb)`;
  });
  await sequelize.query(
    `INSERT INTO ${OUTBOX_TABLE} (id, type, payload, trace_context) VALUES ${rows.join(', ')}`,
    { bind, transaction },
  );
}
