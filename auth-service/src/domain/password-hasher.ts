import argon2 from 'argon2';

import { withSpan } from '@secure-api/shared/telemetry';

import { AuthProblems } from './auth-problems.js';
import type { HashQueueObserver, HashRejection } from './security-counters.js';

export interface Argon2Parameters {
  timeCost: number;
  memoryCost: number;
  parallelism: number;
}

export interface HashingLimits {
  /** Hashes running at once (~ cores): more only adds memory and latency. */
  concurrency: number;
  /** Waiting hashes beyond this get 503 at once, so a login flood cannot exhaust memory. */
  maxQueue: number;
  /**
   * A hash that waited this long for a slot, or would by the queue's recent pace, gets 503: an
   * overloaded service sheds load with a clear refusal before the gateway's timeout turns the
   * request into a 504.
   */
  maxWaitMs: number;
}

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

/**
 * Argon2id off the event loop (libuv pool) behind a bounded queue. The queue is the only way into
 * argon2 here, so every hash and verification shares the same limits.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** Recent time one hash takes (moving average), for the expected wait of a newcomer. */
  private averageMs = 0;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly params: Argon2Parameters,
    private readonly limits: HashingLimits,
    private readonly observer?: HashQueueObserver,
  ) {}

  get queueDepth(): number {
    return this.waiting.length;
  }

  /** Hashes waiting and running. */
  get depth(): number {
    return this.waiting.length + this.running;
  }

  /**
   * Throws the 503 the queue would answer now, for a caller to refuse before it spends database
   * and Redis work on a request that cannot be hashed in time. Under a flood of clients that ignore
   * Retry-After, refusals that cost a lookup each took the CPU the admitted logins needed, and
   * pushed those past the gateway's timeout. The queue still decides when the hash is asked for.
   */
  assertCapacity(): void {
    if (this.running < this.limits.concurrency) return;
    if (this.waiting.length >= this.limits.maxQueue) throw this.busy('full');
    if (this.expectedWaitMs() > this.limits.maxWaitMs) throw this.busy('wait');
  }

  hash(password: string): Promise<string> {
    return this.run(() => argon2.hash(password, { type: argon2.argon2id, ...this.params }));
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.run(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    });
  }

  /** Same work as a real verification, for unknown emails: timing does not reveal existence. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('dummy-password-for-timing-equalisation');
    await this.verify(await this.dummyHash, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, { ...this.params });
  }

  private async run<T>(task: () => Promise<T>): Promise<T> {
    const queued = performance.now();
    // Its own span, even when no wait was needed: a slow login shows whether the time went to the
    // queue or to the hash.
    await withSpan('argon2 queue wait', async (span) => {
      span.setAttribute('argon2.queue.waiting', this.waiting.length);
      if (this.running >= this.limits.concurrency) await this.waitForSlot();
      else this.running += 1;
    });
    const started = performance.now();
    this.observer?.waited((started - queued) / 1000);
    try {
      return await withSpan('argon2 hash', task);
    } finally {
      const took = performance.now() - started;
      this.averageMs = this.averageMs === 0 ? took : this.averageMs * 0.8 + took * 0.2;
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.start();
      } else this.running -= 1;
    }
  }

  /** Hashes ahead of a newcomer, divided among the slots, at the recent pace. */
  private expectedWaitMs(): number {
    return ((this.waiting.length + 1) / this.limits.concurrency) * this.averageMs;
  }

  private waitForSlot(): Promise<void> {
    if (
      this.waiting.length >= this.limits.maxQueue ||
      this.expectedWaitMs() > this.limits.maxWaitMs
    ) {
      return Promise.reject(
        this.busy(this.waiting.length >= this.limits.maxQueue ? 'full' : 'wait'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(this.busy('wait'));
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** Retry-After: about when the queue ahead will have drained, at least a second. */
  private busy(reason: HashRejection) {
    this.observer?.rejected(reason);
    return AuthProblems.hashingBusy(Math.max(1, Math.ceil(this.expectedWaitMs() / 1000)));
  }
}
