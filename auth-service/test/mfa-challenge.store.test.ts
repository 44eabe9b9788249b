import { createHash, randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';

import { testUrls, uniqueName } from '@secure-api/shared/testing';

import { MfaChallengeStore } from '../src/data/mfa-challenge.store.js';
import { CODE_LIMITS } from '../src/domain/second-factor.js';

describe('MfaChallengeStore against Redis', () => {
  let redis: Redis;
  let prefix: string;
  let store: MfaChallengeStore;

  beforeAll(() => {
    redis = new Redis(testUrls.redis);
    prefix = `${uniqueName('mfa_store')}:`;
    store = new MfaChallengeStore(redis, prefix);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** Keys of this store that would live forever. */
  async function keysWithoutTtl(): Promise<string[]> {
    const keys = await redis.keys(`${prefix}*`);
    const ttls = await Promise.all(keys.map(async (key) => [key, await redis.pttl(key)] as const));
    return ttls.filter(([, ttl]) => ttl < 0).map(([key]) => key);
  }

  const challengeKey = (token: string) =>
    `${prefix}mfa:${createHash('sha256').update(token).digest('hex')}`;

  it('a code tried after the challenge expired is refused and leaves no key without a TTL behind', async () => {
    const userId = randomUUID();
    const token = await store.create(userId);
    await redis.del(challengeKey(token));

    const reservation = await store.reserve(userId, CODE_LIMITS, token);
    // Giving back an attempt nobody holds must not create a counter either.
    await store.release(randomUUID());

    expect(reservation).toEqual({ kind: 'expired' });
    expect(await keysWithoutTtl()).toEqual([]);
  });

  it('twenty reservations at once on one challenge: exactly five are granted, and every key keeps its TTL', async () => {
    const userId = randomUUID();
    const token = await store.create(userId);

    const reservations = await Promise.all(
      Array.from({ length: 20 }, () => store.reserve(userId, CODE_LIMITS, token)),
    );

    const granted = reservations.filter((r) => r.kind === 'reserved');
    expect(granted).toHaveLength(5);
    expect(reservations.filter((r) => r.kind === 'exhausted')).toHaveLength(15);
    expect(await keysWithoutTtl()).toEqual([]);
  });

  it('the tenth failure of an account holds every later reservation, with any challenge or none', async () => {
    const userId = randomUUID();
    const tokens = [
      await store.create(userId),
      await store.create(userId),
      await store.create(userId),
    ];
    for (let i = 0; i < 10; i += 1) await store.reserve(userId, CODE_LIMITS, tokens[i % 3]);

    const withChallenge = await store.reserve(userId, CODE_LIMITS, await store.create(userId));
    const bearerSide = await store.reserve(userId, CODE_LIMITS);

    expect([withChallenge, bearerSide]).toEqual([{ kind: 'held' }, { kind: 'held' }]);
  });

  it('a released reservation (a right code) does not count against the account', async () => {
    const userId = randomUUID();
    for (let i = 0; i < 12; i += 1) {
      const reservation = await store.reserve(userId, CODE_LIMITS);
      expect(reservation.kind).toBe('reserved');
      await store.release(userId);
    }

    const next = await store.reserve(userId, CODE_LIMITS);

    expect(next).toMatchObject({ kind: 'reserved', failures: 1 });
    expect(await keysWithoutTtl()).toEqual([]);
  });

  it('the account counter lives for the 15-minute window, not forever', async () => {
    const userId = randomUUID();

    const reservation = await store.reserve(userId, CODE_LIMITS);

    expect(reservation.kind).toBe('reserved');
    const windowMs = reservation.kind === 'reserved' ? reservation.windowMs : 0;
    expect(windowMs).toBeGreaterThan(14 * 60_000);
    expect(windowMs).toBeLessThanOrEqual(15 * 60_000);
  });
});
