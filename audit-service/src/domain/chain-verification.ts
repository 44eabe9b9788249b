import type { StoredEvent } from './audit-event.js';
import type { Checkpoint, SignedCheckpoint } from './checkpoint.js';
import type { VerificationResult } from './hash-chain.js';

/** Why a checkpoint cannot be trusted; each is itself evidence of tampering. */
export type CheckpointProblemReason =
  | 'bad_signature' // edited or forged: the signature does not cover what the row says
  | 'unknown_key' // signed by no key this service holds
  | 'missing' // ids have a gap, or the newest this process saw is gone
  | 'chain_truncated' // the chain no longer reaches the seq the checkpoint vouches for
  | 'hash_mismatch'; // the row at the checkpoint's seq is not the row that was checkpointed

export interface CheckpointProblem {
  id: number;
  seq: number;
  reason: CheckpointProblemReason;
}

export interface ChainVerification extends VerificationResult {
  /** The first seq this call checked: 1 for a full walk, the anchor's seq + 1 otherwise. */
  from_seq: number;
  /** The newest good checkpoint once the call is done, or null when there is none. */
  checkpoint: SignedCheckpoint | null;
  checkpoint_problem: CheckpointProblem | null;
}

/** One consistent view of the chain (a single database snapshot). */
export interface ChainSnapshot {
  /** The last row's seq and hash, or undefined when the chain is empty. */
  head(): Promise<{ seq: number; hash: string } | undefined>;
  rowAt(seq: number): Promise<Pick<StoredEvent, 'seq' | 'hash' | 'event_id'> | undefined>;
  /** Rows after `afterSeq`, in seq order, in batches; `visit` may be async (progress). */
  walk(afterSeq: number, visit: (rows: StoredEvent[]) => Promise<void> | void): Promise<void>;
  /** Every checkpoint, by id. */
  checkpoints(): Promise<SignedCheckpoint[]>;
}

/** What verification reads and writes; the data layer implements it. */
export interface ChainStore {
  snapshot<T>(work: (chain: ChainSnapshot) => Promise<T>): Promise<T>;
  /** As snapshot, holding the full-walk lock throughout; 'busy' when another walk holds it. */
  exclusiveSnapshot<T>(work: (chain: ChainSnapshot) => Promise<T>): Promise<T | 'busy'>;
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  /**
   * Appends a checkpoint at `at.seq` signed by `sign`, unless one at that seq or later exists
   * (another replica was quicker): then resolves with that newer one.
   */
  appendCheckpoint(
    at: { seq: number; hash: string },
    sign: (c: Checkpoint) => SignedCheckpoint,
  ): Promise<SignedCheckpoint>;
}

/** Told the verdict of every verification, on demand, periodic or full (the chain metrics). */
export interface VerificationObserver {
  verified(valid: boolean): void;
}

/** What the export routes read: pages of checkpoints by id, and of the chain by seq. */
export interface ChainExport {
  checkpointPage(afterId: number, limit: number): Promise<SignedCheckpoint[]>;
  segment(afterSeq: number, limit: number): Promise<StoredEvent[]>;
}
