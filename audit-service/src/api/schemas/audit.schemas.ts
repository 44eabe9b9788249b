import { z } from 'zod';

import { EVENT_TYPES } from '@secure-api/shared/events';

import type { StoredEvent } from '../../domain/audit-event.js';

const CURSOR_PREFIX = 'seq:';

/** Opaque to clients: base64url of the seq to continue before. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

const cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'Invalid cursor')
  .transform((value, ctx) => {
    const match = /^seq:([1-9][0-9]{0,14})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
    if (!match?.[1]) {
      ctx.addIssue({ code: 'custom', message: 'Invalid cursor' });
      return z.NEVER;
    }
    return Number(match[1]);
  });

// No event is older than the service or younger than year 9999. Outside that range a date is a
// mistake or a probe, and some such dates (year 0) are not PostgreSQL timestamps at all: a 500.
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(10000, 0, 1) - 1;
export const INSTANT_RANGE = 'between 2000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';

const instant = z.iso
  .datetime({ offset: true, error: 'Expected an ISO 8601 date-time' })
  .transform((value) => new Date(value))
  .refine(
    (date) => date.getTime() >= EARLIEST && date.getTime() <= LATEST,
    `Expected a date-time ${INSTANT_RANGE}`,
  );

export const listAuditSchemas = {
  query: z
    .strictObject({
      type: z.enum(EVENT_TYPES, { error: 'Unknown event type' }).optional(),
      user_id: z.uuid({ error: 'Expected a UUID' }).optional(),
      since: instant.optional(),
      until: instant.optional(),
      cursor: cursor.optional(),
      limit: z
        .string()
        .regex(/^[0-9]{1,4}$/, 'Expected a positive integer')
        .transform(Number)
        .pipe(z.number().int().min(1).max(200))
        .default(50),
    })
    .refine((q) => !q.since || !q.until || q.since <= q.until, {
      error: 'since must not be after until',
      path: ['since'],
    }),
};

export const noQuerySchemas = { query: z.strictObject({}) };

/** The envelope as stored, plus where it sits in the chain. */
export function presentEvent(row: StoredEvent): Record<string, unknown> {
  const envelope = typeof row.payload === 'object' && row.payload !== null ? row.payload : {};
  return {
    ...envelope,
    seq: row.seq,
    prev_hash: row.prev_hash,
    hash: row.hash,
    stored_at: row.stored_at.toISOString(),
  };
}
