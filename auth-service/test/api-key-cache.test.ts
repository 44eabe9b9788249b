import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  apiKeyCacheKeyForHash,
  apiKeyHash,
  apiKeyRevokedKeyForHash,
} from '@secure-api/shared/auth';
import { AppError } from '@secure-api/shared/http';
import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import { captureLogger, TcpProxy, testUrls, uniqueName } from '@secure-api/shared/testing';

import { ApiKeyCache } from '../src/data/api-key-cache.js';

describe('ApiKeyCache.purge (what a revocation writes before it commits)', () => {
  const prefix = `${uniqueName('keycache')}:`;
  let line: TcpProxy;
  let redis: Redis;
  let direct: Redis;

  beforeAll(async () => {
    line = await TcpProxy.forUrl(testUrls.redis).start();
    redis = createRedis(line.urlFor(testUrls.redis), captureLogger('auth-service').logger);
    direct = createRedis(testUrls.redis, captureLogger('auth-service').logger);
    await connectRedis(redis);
    await connectRedis(direct);
  });

  afterAll(async () => {
    redis.disconnect();
    direct.disconnect();
    await line.stop();
  });

  const newHash = () => apiKeyHash(`sk_abcdefgh_${randomBytes(32).toString('base64url')}`);

  it('marks the key revoked for longer than any cache entry and drops its cached token', async () => {
    const hash = newHash();
    await direct.set(apiKeyCacheKeyForHash(prefix, hash), '{"cached":true}', 'EX', 30);

    await new ApiKeyCache(redis, prefix).purge([hash]);

    expect(await direct.exists(apiKeyCacheKeyForHash(prefix, hash))).toBe(0);
    expect(await direct.ttl(apiKeyRevokedKeyForHash(prefix, hash))).toBeGreaterThan(60);
  });

  it('when Redis is unreachable, refuses with 503 so the caller revokes nothing', async () => {
    line.cut();
    try {
      const outcome = await new ApiKeyCache(redis, prefix)
        .purge([newHash()])
        .catch((e: unknown) => e);

      expect(outcome).toBeInstanceOf(AppError);
      expect((outcome as AppError).status).toBe(503);
    } finally {
      line.restore();
    }
  });
});
