import type { Logger } from '@secure-api/shared/logging';

import type { ChainVerification } from './chain-verification.js';

export interface SoleVerifierLock {
  /** `work` while no other replica runs it, else 'busy' without waiting. */
  asSoleVerifier<T>(work: () => Promise<T>): Promise<T | 'busy'>;
}

/**
 * The incremental verification on a timer, so a broken chain is noticed (audit_chain_valid goes to
 * 0) without anyone asking. Replicas share the lock: one verifies a round, the others skip it; as
 * each round starts from the newest checkpoint, a round one replica skips costs nothing. The first
 * round is one interval after start, not at start: a restart loop must not become a verify loop.
 */
export class PeriodicVerification {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly incremental: { verify(): Promise<ChainVerification> },
    private readonly lock: SoleVerifierLock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.round().finally(() => {
        this.current = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    try {
      const result = await this.lock.asSoleVerifier(() => this.incremental.verify());
      if (result === 'busy' || result.valid) return;
      this.logger.error(
        {
          first_bad_id: result.first_bad_id,
          from_seq: result.from_seq,
          checkpoint_problem: result.checkpoint_problem,
        },
        'audit chain failed its periodic verification',
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'periodic audit chain verification could not run');
    }
  }
}
