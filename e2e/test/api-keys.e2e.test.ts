import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';

import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
} from '../support/system.js';

const KEY_REFUSED = 'Invalid or expired API key';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API keys', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('apikeys', {
      auth: { API_KEY_ROTATION_GRACE_SECONDS: '2' },
      gateway: { API_KEY_RATE_LIMIT: '5/minute' },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);

  /** A fresh user, logged in, with the password at hand for the step-up. */
  async function signedIn() {
    const user = await registerUser(system.gateway);
    return { ...(await loginAs(system.gateway, user)), password: user.password };
  }

  async function newKey(
    session: { accessToken: string; password: string },
    body: object,
  ): Promise<{ id: string; key: string; prefix: string }> {
    const res = await api()
      .post('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ ...body, password: session.password });
    if (res.status !== 201)
      throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
    const created = res.body as { id: string; key: string; prefix: string };
    rememberSecret(created.key);
    return created;
  }

  it('is shown once as sk_<prefix>_<secret>, listed without its secret, and stored only as a hash', async () => {
    const session = await signedIn();

    const created = await newKey(session, {
      name: 'ci bot',
      scopes: ['self:read'],
      expires_in_days: 30,
    });
    const list = await api()
      .get('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${session.accessToken}`);

    expect(created.key).toMatch(/^sk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`sk_${created.prefix}_`)).toBe(true);
    expect(list.status).toBe(200);
    const listed = (list.body as { api_keys: Record<string, unknown>[] }).api_keys;
    expect(listed).toHaveLength(1);
    expect(Object.keys(listed[0]!).sort()).toEqual([
      'created_at',
      'expires_at',
      'id',
      'last_used_at',
      'name',
      'prefix',
      'scopes',
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.key.slice(12));
    const client = new pg.Client({ connectionString: system.authDatabaseUrl });
    await client.connect();
    const rows = await client.query<Record<string, unknown>>(
      'SELECT * FROM api_keys WHERE id = $1',
      [created.id],
    );
    await client.end();
    expect(JSON.stringify(rows.rows)).not.toContain(created.key.slice(12));
  });

  it('works on routes its scopes allow and gets 403 elsewhere', async () => {
    const session = await signedIn();
    const { key } = await newKey(session, { name: 'reader', scopes: ['self:read'] });

    const read = await api().get('/api/v1/users/me').set('X-API-Key', key);
    const write = await api()
      .put('/api/v1/users/me')
      .set('X-API-Key', key)
      .send({ full_name: 'Nope' });
    const manage = await api()
      .post('/api/v1/auth/api-keys')
      .set('X-API-Key', key)
      .send({ name: 'more', scopes: ['self:read'], password: session.password });

    expect(read.status).toBe(200);
    expect([write.status, manage.status]).toEqual([403, 403]);
  });

  it('cannot be given scopes beyond its owner', async () => {
    const session = await signedIn();

    const res = await api()
      .post('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ name: 'greedy', scopes: ['users:read'], password: session.password });

    expect(res.status).toBe(403);
  });

  it('a revoked key is refused at once', async () => {
    const session = await signedIn();
    const { id, key } = await newKey(session, {
      name: 'short-lived',
      scopes: ['self:read'],
    });
    expect((await api().get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(200);

    const revoke = await api()
      .delete(`/api/v1/auth/api-keys/${id}`)
      .set('Authorization', `Bearer ${session.accessToken}`);
    const after = await api().get('/api/v1/users/me').set('X-API-Key', key);

    expect(revoke.status).toBe(204);
    expect(after.status).toBe(401);
    expect((after.body as { detail: string }).detail).toBe(KEY_REFUSED);
  });

  it('a rotated key works, and the old one stops after the grace period', async () => {
    const session = await signedIn();
    const old = await newKey(session, { name: 'rotating', scopes: ['self:read'] });

    const rotated = await api()
      .post(`/api/v1/auth/api-keys/${old.id}/rotate`)
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ password: session.password });
    expect(rotated.status).toBe(201);
    const fresh = (rotated.body as { key: string }).key;
    rememberSecret(fresh);

    expect((await api().get('/api/v1/users/me').set('X-API-Key', fresh)).status).toBe(200);
    expect((await api().get('/api/v1/users/me').set('X-API-Key', old.key)).status).toBe(200);
    await sleep(2500);
    expect((await api().get('/api/v1/users/me').set('X-API-Key', old.key)).status).toBe(401);
    expect((await api().get('/api/v1/users/me').set('X-API-Key', fresh)).status).toBe(200);
  });

  it('has its own rate limit (429 past it)', async () => {
    const session = await signedIn();
    const { key } = await newKey(session, { name: 'busy', scopes: ['self:read'] });

    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1)
      statuses.push((await api().get('/api/v1/users/me').set('X-API-Key', key)).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('loses the permissions its owner loses when demoted', async () => {
    const admin = await system.userWithRole('admin');
    const moderator = await system.userWithRole('moderator');
    const { key } = await newKey(moderator, {
      name: 'lister',
      scopes: ['users:read', 'self:read'],
    });
    expect((await api().get('/api/v1/users').set('X-API-Key', key)).status).toBe(200);

    await api()
      .patch(`/api/v1/users/${moderator.id}/role`)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ role: 'user' });

    expect((await api().get('/api/v1/users').set('X-API-Key', key)).status).toBe(403);
    expect((await api().get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(200);
  });

  it.each(['not-a-key', 'sk_short_abc', `sk_abcdefgh_${'A'.repeat(43)}`, ''])(
    'refuses the malformed or unknown key %j with 401',
    async (key) => {
      const res = await api().get('/api/v1/users/me').set('X-API-Key', key);

      expect(res.status).toBe(401);
    },
  );

  it('refuses an expired key', async () => {
    const session = await signedIn();
    const { id, key } = await newKey(session, {
      name: 'expiring',
      scopes: ['self:read'],
      expires_in_days: 1,
    });
    const client = new pg.Client({ connectionString: system.authDatabaseUrl });
    await client.connect();
    await client.query(
      "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
      [id],
    );
    await client.end();

    const res = await api().get('/api/v1/users/me').set('X-API-Key', key);

    expect(res.status).toBe(401);
  });

  it("dies with its owner's account", async () => {
    const admin = await system.userWithRole('admin');
    const owner = await registerUser(system.gateway);
    const session = { ...(await loginAs(system.gateway, owner)), password: owner.password };
    const { key } = await newKey(session, { name: 'orphan', scopes: ['self:read'] });
    expect((await api().get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(200);

    await api()
      .delete(`/api/v1/users/${owner.id}`)
      .set('Authorization', `Bearer ${admin.accessToken}`);

    expect((await api().get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(401);
  });
});
