import { describe, expect, it } from '@jest/globals';
import argon2 from 'argon2';

import { AppError } from '@secure-api/shared/http';

import { readConfig } from '../src/config.js';
import { PasswordHasher } from '../src/domain/password-hasher.js';

const FAST = { timeCost: 2, memoryCost: 8192, parallelism: 1 };

describe('PasswordHasher', () => {
  it('uses Argon2id with the production defaults (64 MiB, t=3, p=4) unless configured', async () => {
    const { argon2: params } = readConfig({});
    const hash = await new PasswordHasher(params, {
      concurrency: 1,
      maxQueue: 1,
      maxWaitMs: 60_000,
    }).hash('Correct-Horse-42');

    expect(params).toEqual({ timeCost: 3, memoryCost: 65536, parallelism: 4 });
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = new PasswordHasher(FAST, { concurrency: 2, maxQueue: 4, maxWaitMs: 60_000 });
    const hash = await hasher.hash('Correct-Horse-42');

    expect(await hasher.verify(hash, 'Correct-Horse-42')).toBe(true);
    expect(await hasher.verify(hash, 'Correct-Horse-43')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'Correct-Horse-42')).toBe(false);
  });

  it('flags hashes made with other parameters for rehashing', async () => {
    const old = await argon2.hash('Correct-Horse-42', { type: argon2.argon2id, ...FAST });
    const hasher = new PasswordHasher(
      { ...FAST, timeCost: 3 },
      { concurrency: 1, maxQueue: 1, maxWaitMs: 60_000 },
    );

    expect(hasher.needsRehash(old)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('x'))).toBe(false);
  });

  it('when the queue is full, refuses at once with 503 instead of queueing without bound', async () => {
    const hasher = new PasswordHasher(FAST, { concurrency: 1, maxQueue: 2, maxWaitMs: 60_000 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => hasher.hash('Correct-Horse-42')),
    );

    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      const reason = r.reason as AppError;
      expect(reason).toBeInstanceOf(AppError);
      expect(reason.status).toBe(503);
      expect(reason.detail).toBe('The service is busy, retry shortly');
      expect(Number(reason.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    }
    expect(hasher.queueDepth).toBe(0);
  });

  it('a hash that waits longer than the limit for a slot is refused with 503 and Retry-After, not left to time out upstream', async () => {
    // Any Argon2id hash takes well over 1 ms: everything behind the first waits too long.
    const hasher = new PasswordHasher(FAST, { concurrency: 1, maxQueue: 10, maxWaitMs: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => hasher.hash('Correct-Horse-42')),
    );

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const r of results.slice(1)) {
      const reason = (r as PromiseRejectedResult).reason as AppError;
      expect(reason.status).toBe(503);
      expect(reason.headers['Retry-After']).toMatch(/^[1-9]\d*$/);
    }
    expect(hasher.queueDepth).toBe(0);
    // The slot was freed: the next hash runs.
    await expect(hasher.verify(await hasher.hash('x'), 'x')).resolves.toBe(true);
  });
  it('assertCapacity refuses up front exactly what the queue would refuse, and nothing while a slot is free', async () => {
    const hasher = new PasswordHasher(FAST, { concurrency: 1, maxQueue: 1, maxWaitMs: 60_000 });
    expect(() => {
      hasher.assertCapacity();
    }).not.toThrow();
    const running = hasher.hash('Correct-Horse-42');
    const waiting = hasher.hash('Correct-Horse-42');

    let refusal: unknown;
    try {
      hasher.assertCapacity();
    } catch (error) {
      refusal = error;
    }

    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).status).toBe(503);
    expect((refusal as AppError).headers['Retry-After']).toMatch(/^[1-9]\d*$/);
    await Promise.all([running, waiting]);
    expect(() => {
      hasher.assertCapacity();
    }).not.toThrow();
  });
});
