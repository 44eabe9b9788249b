import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';

import { apiKeyCacheKey } from '@secure-api/shared/auth';
import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import { captureLogger, testUrls } from '@secure-api/shared/testing';

import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type LoggedIn,
  type System,
  type TestUser,
} from '../../support/system.js';

const REFRESH_REFUSED = 'Invalid or expired refresh token';
const KEY_REFUSED = 'Invalid or expired API key';

// Deactivation is how an admin stops an account at once (a leaver, a compromised account). It
// must end everything the account holds, and reactivation must bring none of it back: the
// person logs in again, whoever kept an old cookie or token does not get back in.
describe('attack: credentials of a deactivated account, before and after reactivation', () => {
  let system: System;
  let admin: TestUser & LoggedIn;
  let redis: Redis;

  beforeAll(async () => {
    system = await startSystem('attack_deactivation');
    admin = await system.userWithRole('admin');
    redis = createRedis(testUrls.redis, captureLogger('test').logger);
    await connectRedis(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await system.close();
  });

  const api = () => request(system.gateway);
  const refresh = (cookie: string) => api().post('/api/v1/auth/refresh').set('Cookie', cookie);
  const setActive = async (user: TestUser, isActive: boolean) => {
    const res = await api()
      .patch(`/api/v1/users/${user.id}/status`)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ is_active: isActive });
    expect(res.status).toBe(200);
  };
  const expectRefused = (res: request.Response, detail: string) => {
    expect(res.status).toBe(401);
    expect((res.body as { detail?: string }).detail).toBe(detail);
    expect(JSON.stringify(res.body)).not.toMatch(/inactive|deactivated|disabled/i);
  };
  const liveSessions = async (userId: string): Promise<number> => {
    const client = new pg.Client({ connectionString: system.authDatabaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
        [userId],
      );
      return rows[0]?.n ?? -1;
    } finally {
      await client.end();
    }
  };

  it('a refresh cookie kept through deactivation is refused, and still refused after reactivation', async () => {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    await setActive(user, false);

    expectRefused(await refresh(session.refreshCookie), REFRESH_REFUSED);

    await setActive(user, true);
    expectRefused(await refresh(session.refreshCookie), REFRESH_REFUSED);
  });

  it('deactivation ends every session for good, even one never refreshed while inactive', async () => {
    const user = await registerUser(system.gateway);
    const phone = await loginAs(system.gateway, user);
    const laptop = await loginAs(system.gateway, user);

    await setActive(user, false);
    expect(await liveSessions(user.id)).toBe(0);
    await setActive(user, true);

    expectRefused(await refresh(phone.refreshCookie), REFRESH_REFUSED);
    expectRefused(await refresh(laptop.refreshCookie), REFRESH_REFUSED);
    expect(
      (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${laptop.accessToken}`))
        .status,
    ).toBe(401);
    // The person gets back in by logging in again.
    const again = await loginAs(system.gateway, user);
    expect((await refresh(again.refreshCookie)).status).toBe(200);
  });

  it('an API key ends at once with its owner’s deactivation, and reactivation does not revive it', async () => {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    const created = await api()
      .post('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ name: 'leaver bot', scopes: ['self:read'], password: user.password });
    expect(created.status).toBe(201);
    const { key } = created.body as { key: string };
    rememberSecret(key);
    expect((await api().get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(200);
    const cacheKey = apiKeyCacheKey(system.redisKeyPrefix, key);
    expect(await redis.exists(cacheKey)).toBe(1);

    await setActive(user, false);

    expect(await redis.exists(cacheKey)).toBe(0);
    expectRefused(await api().get('/api/v1/users/me').set('X-API-Key', key), KEY_REFUSED);
    expectRefused(await api().get('/api/v1/users/me').set('X-API-Key', key), KEY_REFUSED);

    await setActive(user, true);

    expectRefused(await api().get('/api/v1/users/me').set('X-API-Key', key), KEY_REFUSED);
    const again = await loginAs(system.gateway, user);
    const listed = await api()
      .get('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${again.accessToken}`);
    expect(listed.body).toEqual({ api_keys: [] });
  });
});
