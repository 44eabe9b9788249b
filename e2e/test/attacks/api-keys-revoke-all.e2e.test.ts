import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { outboxEvents } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
  type TestUser,
} from '../../support/system.js';

const KEY_REFUSED = 'Invalid or expired API key';

describe('DELETE /api/v1/auth/api-keys: one call ends every key of a leaked account', () => {
  let system: System;

  beforeAll(async () => {
    // A rotation grace, so a rotated-out key that still works is among those to revoke.
    system = await startSystem('attack_keys', { auth: { API_KEY_ROTATION_GRACE_SECONDS: '600' } });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);

  async function keysOf(user: TestUser, token: string, count: number) {
    const keys: { id: string; key: string }[] = [];
    for (let i = 0; i < count; i += 1) {
      const res = await api()
        .post('/api/v1/auth/api-keys')
        .set('Authorization', `Bearer ${token}`)
        .send({ name: `key ${String(i)}`, scopes: ['self:read'], password: user.password });
      if (res.status !== 201) throw new Error(`create key: ${String(res.status)}`);
      const created = res.body as { id: string; key: string };
      rememberSecret(created.key);
      keys.push(created);
    }
    return keys;
  }

  const useKey = (key: string) => api().get('/api/v1/users/me').set('X-API-Key', key);

  it('revokes every key of the caller at once, rotated-out ones included; another user’s key still works', async () => {
    const owner = await registerUser(system.gateway);
    const bystander = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, owner);
    const keys = await keysOf(owner, accessToken, 3);
    const [bystanderKey] = await keysOf(
      bystander,
      (await loginAs(system.gateway, bystander)).accessToken,
      1,
    );
    const rotated = await api()
      .post(`/api/v1/auth/api-keys/${keys[0]?.id ?? ''}/rotate`)
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ password: owner.password });
    const fresh = (rotated.body as { key: string }).key;
    rememberSecret(fresh);
    // Resolved once, so the gateway holds each key in its cache before the revocation.
    for (const key of [...keys.map((k) => k.key), fresh])
      expect((await useKey(key)).status).toBe(200);

    const revoke = await api()
      .delete('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ password: owner.password });

    expect(revoke.status).toBe(204);
    for (const key of [...keys.map((k) => k.key), fresh]) {
      const res = await useKey(key);
      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toBe(KEY_REFUSED);
    }
    expect((await useKey(bystanderKey?.key ?? '')).status).toBe(200);
    const list = await api()
      .get('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${accessToken}`);
    expect((list.body as { api_keys: unknown[] }).api_keys).toEqual([]);
    const events = await outboxEvents(system.authDatabaseUrl, 'auth.apikey.revoked', owner.id);
    expect(events).toHaveLength(4);
  });

  it('cannot be called with an API key, only by the person with their password', async () => {
    const owner = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, owner);
    const [key] = await keysOf(owner, accessToken, 1);

    const withKey = await api()
      .delete('/api/v1/auth/api-keys')
      .set('X-API-Key', key?.key ?? '')
      .send({ password: owner.password });

    expect(withKey.status).toBe(403);
    expect((withKey.body as { detail: string }).detail).toBe('Not available to API keys');
    expect((await useKey(key?.key ?? '')).status).toBe(200);
  });
});
