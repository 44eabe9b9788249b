import { createHash } from 'node:crypto';

import { canonicalJson, type AnySecurityEvent } from '@secure-api/shared/events';

import { indexedFieldsOf, type AppendedEvent, type StoredEvent } from './audit-event.js';

/** The prev_hash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** hash = sha256_hex(prev_hash || canonical_json(event)) */
export function chainHash(prevHash: string, event: unknown): string {
  return hashOfCanonical(prevHash, canonicalJson(event));
}

function hashOfCanonical(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}

/** A new link, with the canonical JSON it hashed (valid JSON of the event: storable as is). */
export interface ChainLink extends AppendedEvent {
  canonical: string;
}

/** Links events after the chain's current head (seq 0 and the genesis hash when empty). */
export function extendChain(
  head: { seq: number; hash: string },
  events: readonly AnySecurityEvent[],
): ChainLink[] {
  let { seq, hash } = head;
  return events.map((event) => {
    const prevHash = hash;
    const canonical = canonicalJson(event);
    hash = hashOfCanonical(prevHash, canonical);
    seq += 1;
    return { event, canonical, seq, prevHash, hash };
  });
}

export interface VerificationResult {
  valid: boolean;
  checked: number;
  first_bad_id: string | null;
}

function columnsMatch(row: StoredEvent): boolean {
  const expected = indexedFieldsOf(row.payload);
  return (
    row.event_id === expected.event_id &&
    row.type === expected.type &&
    row.occurred_at === expected.occurred_at &&
    row.actor_user_id === expected.actor_user_id &&
    row.subject_user_id === expected.subject_user_id &&
    row.request_id === expected.request_id &&
    row.outcome === expected.outcome &&
    row.source === expected.source
  );
}

/**
 * Re-walks the chain row by row, in seq order. A row is bad when it does not link to the row
 * before it (a row removed or reordered), when its hash is not the hash of its own payload (a
 * payload edited), or when its indexed columns disagree with its payload (an event hidden from
 * queries). The next row is checked against the stored hash, so one edit flags one row.
 */
export class ChainVerifier {
  private expectedPrev: string;
  private expectedSeq: number;
  private checked = 0;
  private firstBadId: string | null = null;

  /** `after`: the link the first row must continue (a verified checkpoint), genesis by default. */
  constructor(after: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }) {
    this.expectedPrev = after.hash;
    this.expectedSeq = after.seq + 1;
  }

  check(row: StoredEvent): void {
    this.checked += 1;
    const good =
      row.seq === this.expectedSeq &&
      row.prev_hash === this.expectedPrev &&
      row.hash === chainHash(row.prev_hash, row.payload) &&
      columnsMatch(row);
    if (!good) this.firstBadId ??= row.event_id;
    this.expectedPrev = row.hash;
    this.expectedSeq = row.seq + 1;
  }

  result(): VerificationResult {
    return {
      valid: this.firstBadId === null,
      checked: this.checked,
      first_bad_id: this.firstBadId,
    };
  }
}
