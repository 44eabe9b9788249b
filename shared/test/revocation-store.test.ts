import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { RevocationStore } from '@secure-api/shared/auth';
import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import { captureLogger, testUrls } from '@secure-api/shared/testing';

describe('RevocationStore user marks', () => {
  let redis: Redis;
  let store: RevocationStore;

  beforeAll(async () => {
    redis = createRedis(testUrls.redis, captureLogger('test').logger);
    await connectRedis(redis);
    store = new RevocationStore(redis);
  });

  afterAll(() => {
    redis.disconnect();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const claims = (sub: string, iat: number) => ({ sub, iat, jti: randomUUID() });

  it('revokes every token issued before the next second, and none issued at it', async () => {
    const sub = randomUUID();
    const before = now();

    const mark = await store.revokeUser(sub);

    expect(mark).toBeGreaterThanOrEqual(before + 1);
    expect(mark).toBeLessThanOrEqual(now() + 1);
    expect(await store.isRevoked(claims(sub, mark - 1))).toBe(true);
    expect(await store.isRevoked(claims(sub, mark))).toBe(false);
    expect(await store.earliestIssueTime(sub)).toBe(mark);
  });

  it('never moves a mark back, whatever the clock of the replica that writes next', async () => {
    const sub = randomUUID();
    const ahead = now() + 30;
    await redis.set(`revoked-before:${sub}`, String(ahead), 'EX', 60);

    expect(await store.revokeUser(sub)).toBe(ahead + 1);
    expect(await store.isRevoked(claims(sub, ahead))).toBe(true);
  });

  it('a second revocation in the same second also ends the token issued after the first', async () => {
    const sub = randomUUID();
    const first = await store.revokeUser(sub);
    // What a caller kept signed in gets right after the first revocation (password change, 2FA), or
    // a refresh racing a change that has not committed yet.
    const mintedInBetween = claims(sub, await store.earliestIssueTime(sub));
    expect(await store.isRevoked(mintedInBetween)).toBe(false);

    const second = await store.revokeUser(sub);

    expect(second).toBe(first + 1);
    expect(await store.isRevoked(mintedInBetween)).toBe(true);
    expect(await store.isRevoked(claims(sub, await store.earliestIssueTime(sub)))).toBe(false);
    expect(await redis.ttl(`revoked-before:${sub}`)).toBeGreaterThan(23 * 3600);
  });

  it('judges values read elsewhere (the gateway reads them with its rate limit) as isRevoked does', async () => {
    const sub = randomUUID();
    const mark = await store.revokeUser(sub);
    const read = async (c: ReturnType<typeof claims>) =>
      RevocationStore.verdict(c, await redis.mget(...RevocationStore.keysOf(c)));

    expect(await read(claims(sub, mark - 1))).toBe(true);
    expect(await read(claims(sub, mark))).toBe(false);
    const token = claims(sub, mark);
    await store.revokeToken(token.jti, now() + 60);
    expect(await read(token)).toBe(true);
  });

  it('refuses to judge from fewer values than keys: a missing mark is never "not revoked"', () => {
    expect(() => RevocationStore.verdict(claims(randomUUID(), now()), [null, null])).toThrow(
      expect.objectContaining({ status: 503 }),
    );
  });
});
