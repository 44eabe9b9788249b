import type { AnySecurityEvent, EventType } from '@secure-api/shared/events';

/** The columns an event is found by, derived from its envelope when it is stored. */
export interface IndexedFields {
  event_id: string;
  type: string;
  occurred_at: number;
  actor_user_id: string | null;
  subject_user_id: string | null;
  request_id: string | null;
  outcome: string;
  source: string;
}

/** One row of the chain: the event exactly as stored, its columns and its links. */
export interface StoredEvent extends IndexedFields {
  seq: number;
  payload: unknown;
  prev_hash: string;
  hash: string;
  stored_at: Date;
}

/** An event appended by this call: where it sits in the chain. */
export interface AppendedEvent {
  event: AnySecurityEvent;
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  type?: EventType;
  /** Matches the actor or the subject. */
  userId?: string;
  since?: Date;
  until?: Date;
  /** Only events older in the chain than this seq (the cursor). */
  beforeSeq?: number;
  limit: number;
}

export interface AuditStore {
  /**
   * Appends the events not stored yet, in order, to the chain, in one transaction serialised
   * with every other writer. Resolves with what was appended once it is committed.
   */
  append(events: readonly AnySecurityEvent[]): Promise<AppendedEvent[]>;
  /** Newest first. */
  find(filter: AuditFilter): Promise<StoredEvent[]>;
  /** The whole chain in seq order, in batches, from one snapshot. */
  walk(batchSize: number, visit: (rows: StoredEvent[]) => void): Promise<void>;
  countByTypeSince(since: Date): Promise<Map<string, number>>;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
// An own property only (never one inherited from a prototype), without copying the object.
const member = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null
    ? Object.getOwnPropertyDescriptor(value, key)?.value
    : undefined;

/**
 * The indexed columns as the payload says they should be. Lenient on purpose: the verifier uses
 * it on whatever a row holds, so a damaged payload yields a mismatch, never an exception.
 */
export function indexedFieldsOf(payload: unknown): IndexedFields {
  return {
    event_id: text(member(payload, 'id')) ?? '',
    type: text(member(payload, 'type')) ?? '',
    occurred_at: Date.parse(text(member(payload, 'occurred_at')) ?? ''),
    actor_user_id: text(member(member(payload, 'actor'), 'user_id')),
    subject_user_id: text(member(member(payload, 'subject'), 'user_id')),
    request_id: text(member(payload, 'request_id')),
    outcome: text(member(payload, 'outcome')) ?? '',
    source: text(member(payload, 'source')) ?? '',
  };
}
