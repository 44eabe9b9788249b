import type {
  ChainStore,
  ChainVerification,
  CheckpointProblem,
  VerificationObserver,
} from './chain-verification.js';
import type { CheckpointKeys, SignedCheckpoint } from './checkpoint.js';
import { ChainVerifier, GENESIS_HASH } from './hash-chain.js';

const GENESIS = { seq: 0, hash: GENESIS_HASH };

/**
 * The on-demand verify: trusts the newest checkpoint only once it is proven (signed by our key,
 * not older than one this process already saw, and still matching the row at its seq), then walks
 * only the rows after it and signs a new checkpoint at the new head. Rows before the checkpoint are
 * the full re-walk's job (FullWalks).
 */
export class IncrementalVerification {
  // The newest checkpoint this process has seen: one removed behind our back is then noticed.
  private newestSeen = { id: 0, seq: 0 };

  constructor(
    private readonly store: ChainStore,
    private readonly keys: CheckpointKeys,
    private readonly observer?: VerificationObserver,
  ) {}

  async verify(): Promise<ChainVerification> {
    const result = await this.walkFromCheckpoint();
    this.observer?.verified(result.valid);
    return result;
  }

  private async walkFromCheckpoint(): Promise<ChainVerification> {
    const anchor = await this.store.latestCheckpoint();
    return this.store.snapshot(async (chain) => {
      const start = anchor ?? GENESIS;
      const failed = (problem: CheckpointProblem, firstBadId: string | null = null) => ({
        valid: false,
        checked: 0,
        first_bad_id: firstBadId,
        from_seq: start.seq + 1,
        checkpoint: null,
        checkpoint_problem: problem,
      });
      if ((anchor?.id ?? 0) < this.newestSeen.id)
        return failed({ ...this.newestSeen, reason: 'missing' });
      if (anchor) {
        const { id, seq } = anchor;
        const verdict = this.keys.verdict(anchor);
        if (verdict !== 'good') return failed({ id, seq, reason: verdict });
        const row = await chain.rowAt(seq);
        if (!row) return failed({ id, seq, reason: 'chain_truncated' });
        if (row.hash !== anchor.hash) {
          return failed({ id, seq, reason: 'hash_mismatch' }, row.event_id);
        }
      }
      const verifier = new ChainVerifier(start);
      let head = start;
      await chain.walk(start.seq, (rows) => {
        for (const row of rows) verifier.check(row);
        head = rows.at(-1) ?? head;
      });
      const result = verifier.result();
      let checkpoint: SignedCheckpoint | null = anchor ?? null;
      if (result.valid && head.seq > start.seq) {
        checkpoint = await this.store.appendCheckpoint(head, (c) => this.keys.sign(c));
      }
      if (checkpoint && checkpoint.id > this.newestSeen.id) {
        this.newestSeen = { id: checkpoint.id, seq: checkpoint.seq };
      }
      return { ...result, from_seq: start.seq + 1, checkpoint, checkpoint_problem: null };
    });
  }
}
