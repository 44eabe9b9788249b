import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';

import { RevocationStore } from '../src/auth/revocation-store.js';
import { testUrls } from '../src/testing/index.js';

describe('RevocationStore.revokeUser', () => {
  let redis: Redis;
  let store: RevocationStore;

  beforeAll(() => {
    redis = new Redis(testUrls.redis);
    store = new RevocationStore(redis);
  });

  afterAll(() => {
    redis.disconnect();
  });

  const claims = (sub: string, iat: number) => ({ sub, jti: randomUUID(), iat });

  it('a second revocation in the same second also ends the token issued after the first', async () => {
    const user = randomUUID();
    await store.revokeUser(user);
    // What a caller kept signed in gets right after the first revocation (password change, 2FA).
    const reissued = claims(user, await store.earliestIssueTime(user));
    expect(await store.isRevoked(reissued)).toBe(false);

    await store.revokeUser(user);

    expect(await store.isRevoked(reissued)).toBe(true);
    expect(await store.isRevoked(claims(user, await store.earliestIssueTime(user)))).toBe(false);
    await redis.del(`revoked-before:${user}`);
  });
});
