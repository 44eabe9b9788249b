import type { CheckpointProblem } from './chain-verification.js';
import type { CheckpointVerifier, SignedCheckpoint } from './checkpoint.js';

export interface CheckedRange {
  /** The first and last seq whose hashes were checked; `to` is 0 for an empty chain. */
  from: number;
  to: number;
  /** The stored hash at a seq inside the range. */
  hashAt(seq: number): string | undefined;
}

/**
 * Checks a run of checkpoints, by id, against a verified range of the chain: each signed by a
 * known key, ids without a gap (from `firstId` when given), none beyond the end of the chain (the
 * chain was cut off after it was signed), and each matching the row at its seq. The first
 * problem, or null. The full re-walk and the offline checker both judge by this.
 */
export function firstCheckpointProblem(
  checkpoints: readonly SignedCheckpoint[],
  keys: CheckpointVerifier,
  range: CheckedRange,
  firstId?: number,
): CheckpointProblem | null {
  let expectedId = firstId ?? checkpoints[0]?.id ?? 1;
  for (const checkpoint of checkpoints) {
    const { id, seq } = checkpoint;
    const verdict = keys.verdict(checkpoint);
    if (verdict !== 'good') return { id, seq, reason: verdict };
    if (id !== expectedId) return { id: expectedId, seq, reason: 'missing' };
    if (seq > range.to) return { id, seq, reason: 'chain_truncated' };
    if (seq >= range.from && range.hashAt(seq) !== checkpoint.hash) {
      return { id, seq, reason: 'hash_mismatch' };
    }
    expectedId = id + 1;
  }
  return null;
}

/** Remembers the stored hash at the given seqs while a walk passes them. */
export class HashesAt {
  private readonly hashes = new Map<number, string>();
  private readonly wanted: Set<number>;

  constructor(seqs: Iterable<number>) {
    this.wanted = new Set(seqs);
  }

  see(row: { seq: number; hash: string }): void {
    if (this.wanted.has(row.seq)) this.hashes.set(row.seq, row.hash);
  }

  hashAt = (seq: number): string | undefined => this.hashes.get(seq);
}
