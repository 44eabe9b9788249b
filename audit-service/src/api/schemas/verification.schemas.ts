import { z } from 'zod';

import type { SignedCheckpoint, PublicJwk } from '../../domain/checkpoint.js';
import type { StoredEvent } from '../../domain/audit-event.js';

const after = z
  .string()
  .regex(/^[0-9]{1,15}$/, 'Expected a non-negative integer')
  .transform(Number)
  .default(0);
const limit = (fallback: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,4}$/, 'Expected a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback);

export const startJobSchemas = { query: z.strictObject({}), body: z.strictObject({}) };

export const jobSchemas = {
  params: z.strictObject({ id: z.uuid({ error: 'Expected a UUID' }) }),
  query: z.strictObject({}),
};

export const checkpointsSchemas = {
  query: z.strictObject({ after_id: after, limit: limit(100, 1000) }),
};

export const chainSegmentSchemas = {
  query: z.strictObject({ after_seq: after, limit: limit(500, 1000) }),
};

/** One page of checkpoints, with the public keys that verify them. */
export function presentCheckpoints(
  keys: PublicJwk[],
  checkpoints: SignedCheckpoint[],
  limit: number,
): Record<string, unknown> {
  return {
    keys,
    checkpoints,
    next_after_id: checkpoints.length === limit ? (checkpoints.at(-1)?.id ?? null) : null,
  };
}

/** Rows exactly as hashed: `event` is the stored payload, untouched. */
export function presentSegment(rows: StoredEvent[], limit: number): Record<string, unknown> {
  return {
    events: rows.map((r) => ({
      seq: r.seq,
      prev_hash: r.prev_hash,
      hash: r.hash,
      event: r.payload,
    })),
    next_after_seq: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
  };
}
