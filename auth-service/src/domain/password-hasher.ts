import argon2 from 'argon2';

import { AuthProblems } from './auth-problems.js';

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
}

/**
 * Argon2id off the event loop (libuv pool) behind a bounded queue. The queue is the only way into
 * argon2 here, so every hash and verification shares the same limits.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly params: Argon2Parameters,
    private readonly limits: HashingLimits,
  ) {}

  get queueDepth(): number {
    return this.waiting.length;
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
    if (this.running >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.maxQueue) {
        throw AuthProblems.hashingBusy();
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
